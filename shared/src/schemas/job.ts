import { z } from 'zod';
import { JobInputSchema } from '../job/job-input';
import { httpUrlSchema } from './create-deployment';
import { deliverySchema } from './delivery';
import { num, str } from './read-untyped';
import {
  JobLoraReportSchema,
  JobVideoSummarySchema,
  summarizeLoras,
  summarizeVideo,
} from './job-output-summary';

/** A job's life on our side; the last four are terminal. Maps RunPod's job states one to one. */
export const JOB_STATUSES = [
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
  'timed_out',
] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = [
  'completed',
  'failed',
  'cancelled',
  'timed_out',
];

/** True when nothing more happens to a job in this status. */
export function isTerminalJob(status: JobStatus): boolean {
  return TERMINAL_JOB_STATUSES.includes(status);
}

/** RunPod's job state (`/status`) as our status; an unknown state counts as still running. */
export function jobStatusFromRunPod(state: string): JobStatus {
  switch (state) {
    case 'IN_QUEUE':
      return 'queued';
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    case 'TIMED_OUT':
      return 'timed_out';
    default:
      return 'running';
  }
}

export const JOB_WEBHOOK_EVENTS = [
  'job.completed',
  'job.failed',
  'job.cancelled',
  'job.timed_out',
] as const;
export const JobWebhookEventSchema = z.enum(JOB_WEBHOOK_EVENTS);
export type JobWebhookEvent = z.infer<typeof JobWebhookEventSchema>;

/** The event a job in a terminal status sends to the user's webhook. */
export function jobWebhookEvent(status: JobStatus): JobWebhookEvent | null {
  return isTerminalJob(status) ? (`job.${status}` as JobWebhookEvent) : null;
}

/**
 * The `webhook-id` of a job's terminal event: stable across retries and free of `.`, e.g.
 * `msg_job_abc_completed`. Throws if the job id contains a `.`.
 */
export function jobWebhookMessageId(jobId: string, event: JobWebhookEvent): string {
  if (jobId.includes('.')) throw new Error('job id must not contain "."');
  return `msg_${jobId}_${event.slice('job.'.length)}`;
}

/** A job id from 16 random bytes: `job_` + 26 base32 characters (see `deploymentId`). */
export const JOB_ID_PATTERN = /^job_[a-z2-7]{26}$/;

/** The body of `POST /v1/deployments/{id}/jobs`. Unknown fields are rejected. */
export const CreateJobBodySchema = z.strictObject({
  input: JobInputSchema,
  /** Signed (Standard Webhooks) with the deployment's webhook secret on the terminal event. */
  webhook_url: httpUrlSchema().optional(),
  /** RunPod `policy.executionTimeout`: the job fails as timed_out past it (5 s to 7 days). */
  execution_timeout_s: z.int().min(5).max(604_800).optional(),
  /** RunPod `policy.ttl`: the job is dropped if it has not finished within it (10 s to 7 days). */
  ttl_s: z.int().min(10).max(604_800).optional(),
});
export type CreateJobBody = z.input<typeof CreateJobBodySchema>;

/** What we keep of one output image: everything but the pixels (base64 is never stored). */
export const JobImageSummarySchema = z.object({
  content_type: z.string().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  seed: z.number().nullable(),
  /** Download URL when the worker uploaded the image (s3 output); null for base64 output. */
  url: z.string().nullable(),
  /** Length of the base64 text RunPod holds for this image, when it returned one. */
  base64_length: z.int().nullable(),
  /**
   * True when the model's safety checker flagged the image (the worker then returns a black image
   * in its place), false when it passed it, null when the model has no checker.
   */
  nsfw_content_detected: z.boolean().nullable(),
});
export type JobImageSummary = z.infer<typeof JobImageSummarySchema>;

export const JobDeliverySchema = deliverySchema(JobWebhookEventSchema);
export type JobDelivery = z.infer<typeof JobDeliverySchema>;

/**
 * `jobs/{id}`: one inference job on a deployment. Holds no secret and no image bytes: the webhook
 * URL lives in the secret store, and base64 output is read back from RunPod while it keeps it.
 */
export const JobSchema = z.object({
  job_id: z.string(),
  owner_hash: z.string(),
  deployment_id: z.string(),
  endpoint_id: z.string(),
  runpod_job_id: z.string(),
  status: JobStatusSchema,
  runpod_status: z.string(),
  /** The input as sent, with presigned upload URLs replaced by a count. */
  input: z.record(z.string(), z.unknown()),
  policy: z.object({
    execution_timeout_s: z.int().nullable(),
    ttl_s: z.int().nullable(),
  }),
  output: z
    .object({
      images: z.array(JobImageSummarySchema),
      inference_s: z.number().nullable(),
      /** Video jobs: the MP4's facts (no bytes). */
      video: JobVideoSummarySchema.optional(),
      /** Jobs that ran with LoRA adapters: each one's source, scale, cache hit and load time. */
      loras: z.array(JobLoraReportSchema).optional(),
    })
    .nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  timings: z.object({
    queue_s: z.number().nullable(),
    execution_s: z.number().nullable(),
    completed_at: z.iso.datetime().nullable(),
  }),
  cost: z.object({
    price_per_hour_usd: z.number().nullable(),
    /** Execution seconds × the deployment's price per second; null until RunPod reports a time. */
    estimated_usd: z.number().nullable(),
  }),
  webhook: z
    .object({
      url_host: z.string(),
      deliveries: z.array(JobDeliverySchema),
    })
    .nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  version: z.int().nonnegative(),
});
export type Job = z.infer<typeof JobSchema>;

export const PublicJobSchema = JobSchema.omit({ owner_hash: true, version: true });
export type PublicJob = z.infer<typeof PublicJobSchema>;

/** The view of a job the API returns: the document without the owner and version. */
export function publicJob(doc: Job): PublicJob {
  const { owner_hash: _owner, version: _version, ...rest } = doc;
  return rest;
}

/** Estimated cost of one job: execution seconds × price per second, rounded to 1e-6 USD. */
export function jobCostUsd(executionMs: number, pricePerHourUsd: number): number {
  return Math.round((executionMs / 1000) * (pricePerHourUsd / 3600) * 1e6) / 1e6;
}

/**
 * The storable part of a worker's output (`{images: [{base64 | url, …}], timings}`, or `{video, …}`
 * for video, with `loras` when adapters ran): facts and URLs, never the base64 itself. `video` and
 * `loras` appear only when the worker reported them. Anything else gives no images.
 */
export function summarizeJobOutput(output: unknown): NonNullable<Job['output']> {
  const o = (typeof output === 'object' && output !== null ? output : {}) as Record<
    string,
    unknown
  >;
  const images = Array.isArray(o.images) ? (o.images as unknown[]) : [];
  const timings = (typeof o.timings === 'object' && o.timings !== null ? o.timings : {}) as Record<
    string,
    unknown
  >;
  return {
    images: images.slice(0, 16).map((raw) => {
      const i = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      const b64 = str(i.base64);
      return {
        content_type: str(i.content_type),
        width: num(i.width),
        height: num(i.height),
        seed: num(i.seed),
        url: str(i.url),
        base64_length: b64 === null ? null : b64.length,
        nsfw_content_detected:
          typeof i.nsfw_content_detected === 'boolean' ? i.nsfw_content_detected : null,
      };
    }),
    inference_s: num(timings.inference_s),
    ...withValue('video', summarizeVideo(o.video)),
    ...withValue('loras', summarizeLoras(o.loras)),
  };
}

const withValue = <K extends string, V>(key: K, value: V | null): Partial<Record<K, V>> =>
  value === null ? {} : ({ [key]: value } as Record<K, V>);

/** True when the job's output had base64 (images or video) that only RunPod holds. */
export function hasInlineOutput(output: Job['output']): boolean {
  if (output === null) return false;
  return (
    output.images.some((i) => i.base64_length !== null) ||
    (output.video?.base64_length ?? null) !== null
  );
}

/**
 * An input image as stored: a URL's origin and path (its query string may be a signature), or
 * the length of base64 data (megabytes of pixels do not belong in a status document).
 */
function storableImage(value: string): string {
  if (value.startsWith('https://')) {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  }
  return `base64 (${value.length} characters)`;
}

/**
 * The job input as stored: presigned upload URLs (credentials in a query string) are dropped, and
 * input images and adapter URLs are kept only as a description.
 */
export function storableJobInput(input: z.output<typeof JobInputSchema>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  if (input.output.type === 's3')
    out.output = { type: 's3', put_urls: input.output.put_urls.length };
  if (input.image !== undefined) out.image = storableImage(input.image);
  if (input.mask !== undefined) out.mask = storableImage(input.mask);
  if (input.loras !== undefined)
    out.loras = input.loras.map((l) => ('url' in l ? { ...l, url: storableImage(l.url) } : l));
  return out;
}
