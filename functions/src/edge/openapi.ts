import { z } from 'zod';
import {
  CreateDeploymentBodySchema,
  CreateJobBodySchema,
  DEPLOYMENT_STATUSES,
  ERROR_CODES,
  EstimateResultSchema,
  IDEMPOTENCY_KEY_PATTERN,
  JOB_STATUSES,
  PublicDeploymentSchema,
  PublicJobSchema,
  RUNPOD_KEY_PATTERN,
  SkippedPoolSchema,
  WorkerEventSchema,
  type ErrorCode,
} from '@visgate/shared';
import { HTTP } from './problem';

const schema = (s: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(s, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  });
  return rest;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * The job input's cross-field rules, which zod checks with `refine` and JSON Schema needs spelled
 * out: one PUT URL per image (`num_images`, default 1) and, when given, one GET URL per PUT URL;
 * `mask` and `strength` only with `image`.
 */
function withJobInputRules(body: Record<string, unknown>): Record<string, unknown> {
  const properties = body.properties as Record<string, Record<string, unknown>>;
  const output = (put: object, get?: object) => ({
    properties: { output: { properties: { put_urls: put, ...(get ? { get_urls: get } : {}) } } },
  });
  const counts = [1, 2, 3, 4];
  const rules = [
    {
      anyOf: [
        { properties: { num_images: { maximum: 1 } } },
        ...counts.slice(1).map((k) => ({
          properties: { num_images: { const: k }, ...output({ minItems: k }).properties },
          required: ['num_images'],
        })),
      ],
    },
    {
      anyOf: [
        { properties: { output: { properties: { get_urls: false } } } },
        ...counts.map((n) => output({ minItems: n, maxItems: n }, { minItems: n, maxItems: n })),
      ],
    },
  ];
  return {
    ...body,
    properties: {
      ...properties,
      input: {
        ...properties.input,
        description:
          'With `output.type: "s3"`: one PUT URL per image (`num_images`) and, if given, one GET URL per PUT URL. `mask` and `strength` need `image`.',
        allOf: rules,
        dependentRequired: { mask: ['image'], strength: ['image'] },
      },
    },
  };
}
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });

/** Members a problem body may carry besides RFC 9457's, each named by the code that sends it. */
const ProblemSchema = z
  .strictObject({
    type: z.string(),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    code: z.enum(ERROR_CODES),
    instance: z.string().optional(),
    request_id: z.string().optional(),
    retryable: z.boolean().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe(
        'VALIDATION_FAILED, WEBHOOK_URL_REJECTED, CACHE_ENDPOINT_REJECTED, RunPod rejections: each field at fault',
      ),
    model_id: z.string().optional().describe('MODEL_*, UPSTREAM_UNAVAILABLE from the Hub'),
    upstream_status: z.int().optional().describe('The status the Hub or RunPod answered'),
    reason: z.string().optional().describe('MODEL_NOT_FOUND: `token_rejected` for a bad hf_token'),
    library_name: z.string().nullable().optional().describe('MODEL_UNSUPPORTED'),
    component: z.string().optional().describe('MODEL_UNSUPPORTED: the pipeline component'),
    files: z.array(z.string()).optional().describe('MODEL_UNSUPPORTED: its files'),
    file: z.string().optional().describe('MODEL_UNSUPPORTED: an unreadable safetensors file'),
    need_bytes: z.int().optional().describe('MODEL_TOO_LARGE, NO_CAPACITY: estimated VRAM'),
    largest_usable_bytes: z.int().optional().describe('MODEL_TOO_LARGE'),
    skipped: z.array(SkippedPoolSchema).optional().describe('MODEL_TOO_LARGE, NO_CAPACITY'),
    allow: z
      .array(z.string())
      .optional()
      .describe('METHOD_NOT_ALLOWED: the methods this path takes'),
    task: z.string().optional().describe('TASK_UNSUPPORTED: the task asked for'),
    supported_tasks: z
      .array(z.string())
      .optional()
      .describe("TASK_UNSUPPORTED: the tasks the model's family serves"),
    lora: z.string().optional().describe('LORA_*: the adapter repo at fault'),
    lora_family: z.string().optional().describe('LORA_BASE_MISMATCH: the family it targets'),
    model_family: z.string().optional().describe("LORA_BASE_MISMATCH: the base model's family"),
  })
  .describe('RFC 9457 problem details with a stable `code`');

const LinksSchema = z.object({ self: z.string(), events: z.string() });

const DeploymentAcceptedSchema = z.strictObject({
  deployment_id: z.string(),
  status: z.enum(DEPLOYMENT_STATUSES),
  hf_model_id: z.string(),
  created_at: z.iso.datetime(),
  links: LinksSchema,
  poll_interval_s: z.int().min(1),
  estimated_ready_s: z.int().min(0),
  webhook_secret: z
    .string()
    .nullable()
    .describe(
      'The `whsec_` secret that signs your webhooks, shown only in this response (and its idempotent replays); null without user_webhook_url',
    ),
});

const jobLinks = z.strictObject({ self: z.string(), cancel: z.string(), deployment: z.string() });
const JobViewSchema = PublicJobSchema.extend({ links: jobLinks }).strict();
const JobReadSchema = PublicJobSchema.extend({
  links: jobLinks,
  output: z
    .unknown()
    .describe(
      "While RunPod keeps a finished job's output: the worker's output as RunPod returns it (images, or a video job's MP4, with base64). Otherwise the stored summary (no pixels), or null",
    ),
  output_expired: z
    .boolean()
    .describe(
      'True when the job completed with base64 images or video that RunPod no longer holds',
    ),
}).strict();
const JobAcceptedSchema = JobViewSchema.extend({
  webhook_secret: z
    .string()
    .optional()
    .describe("The deployment's webhook secret, when this request created it (first job webhook)"),
}).strict();

const page = (item: z.ZodType) =>
  z.strictObject({
    data: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` for the next page; null on the last page'),
  });

const GpuPoolsSchema = z.strictObject({
  source: z.enum(['live', 'static']),
  data: z.array(
    z.strictObject({
      pool: z.string(),
      memory_gb: z.number(),
      usable_vram_bytes: z.int(),
      price_per_second_usd: z.number(),
      price_per_hour_usd: z.number(),
      availability: z.string().nullable(),
      cards: z.array(
        z.strictObject({
          id: z.string(),
          name: z.string(),
          memory_gb: z.number(),
          usable_vram_bytes: z.int(),
        }),
      ),
    }),
  ),
});

const ModelsSchema = z.strictObject({
  data: z.array(
    z.strictObject({
      hf_model_id: z.string(),
      family: z.string(),
      pipeline: z.string().nullable(),
      tasks: z.array(z.string()),
      weights_bytes: z.number(),
      vram_bytes: z.number(),
      gated: z.boolean(),
      supported: z.boolean(),
      notes: z.string(),
    }),
  ),
});

const HealthSchema = z.strictObject({
  status: z.literal('ok'),
  mode: z.enum(['local', 'gcp']),
  time: z.iso.datetime(),
});

const WorkerManifestSchema = z.strictObject({
  files: z.array(
    z.strictObject({
      path: z.string(),
      size: z.int(),
      sha256: z.string().describe('sha256 of the whole file'),
      part_size: z
        .int()
        .optional()
        .describe('Bytes per part of part_sha256; absent in manifests written before part digests'),
      part_sha256: z
        .array(z.string())
        .optional()
        .describe('sha256 of each part_size part in file order (the last part may be shorter)'),
      part_crc32: z
        .array(z.string())
        .optional()
        .describe(
          'CRC-32 (zlib) of each part_size part, 8 hex digits, in file order; what the worker ' +
            'checks by default (VISGATE_CACHE_VERIFY=crc); absent in manifests written before it',
        ),
      url: z.string(),
    }),
  ),
});

const requestIdHeader = {
  'X-Request-Id': {
    description: 'Identifies this request; quote it when reporting a problem',
    required: true,
    schema: { type: 'string', pattern: '^req_[A-Za-z0-9_-]{12}$' },
  },
};
const retryAfterHeader = {
  'Retry-After': {
    description: 'Seconds to wait before retrying (RATE_LIMITED, UPSTREAM_UNAVAILABLE from RunPod)',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
};
const problemHeaders = {
  ...requestIdHeader,
  ...retryAfterHeader,
  Allow: {
    description: 'With 405 METHOD_NOT_ALLOWED: the methods this path takes',
    schema: { type: 'string' },
  },
};
/** One problem response: its `status` and `code` pinned to the codes this operation sends with it. */
const problemAs = (status: number, codes: readonly ErrorCode[], description: string) => ({
  description,
  headers: problemHeaders,
  content: {
    'application/problem+json': {
      schema: {
        allOf: [
          ref('Problem'),
          { properties: { status: { const: status }, code: { enum: [...codes] } } },
        ],
      },
    },
  },
});

/**
 * The error responses of an operation: one per status (problem.ts's code→status table) of the codes
 * its route can send, each naming them, plus 500 INTERNAL. No `default`: any other status is a bug.
 */
export function problemResponses(codes: readonly ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { status } = HTTP[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, unknown> = {};
  for (const [status, these] of [...byStatus].sort(([a], [b]) => a - b))
    out[String(status)] = problemAs(
      status,
      these,
      these.map((c) => `\`${c}\`: ${HTTP[c].title}`).join('; '),
    );
  out['500'] = problemAs(
    500,
    ['INTERNAL'],
    '`INTERNAL`: an unexpected error (logged; quote the request_id)',
  );
  return out;
}

/** Codes every call with a RunPod key can meet: a missing or malformed key. */
const KEY: ErrorCode[] = ['UNAUTHORIZED'];
/** A path `id`: not valid percent-encoded UTF-8 (400), or not this key's object (404). */
const ID: ErrorCode[] = ['VALIDATION_FAILED', 'NOT_FOUND'];
/** A JSON body: invalid (400, each field in `errors`), or over MAX_BODY_BYTES (413). */
const BODY: ErrorCode[] = ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE'];
/** A call to RunPod while answering: it rejected the key, throttled us, or is unavailable. */
const RUNPOD: ErrorCode[] = ['RUNPOD_AUTH', 'RATE_LIMITED', 'UPSTREAM_UNAVAILABLE'];
/** A Hub inspection while answering (estimates): facts only the Hub knows. */
const HUB: ErrorCode[] = [
  'MODEL_NOT_FOUND',
  'MODEL_GATED',
  'MODEL_UNSUPPORTED',
  'UPSTREAM_UNAVAILABLE',
  'TASK_UNSUPPORTED',
  'LORA_NOT_FOUND',
  'LORA_INVALID',
  'LORA_BASE_MISMATCH',
];
const codes = (...groups: ErrorCode[][]): ErrorCode[] => [...new Set(groups.flat())];

/** Each operation's error codes, as its route and the handlers it calls can throw them. */
export const OPERATION_ERRORS: Record<string, ErrorCode[]> = {
  createDeployment: codes(KEY, BODY, RUNPOD, [
    'WEBHOOK_URL_REJECTED',
    'CACHE_ENDPOINT_REJECTED',
    'IDEMPOTENCY_MISMATCH',
    'CONFLICT',
  ]),
  listDeployments: codes(KEY, ['VALIDATION_FAILED']),
  getDeployment: codes(KEY, ID),
  deleteDeployment: codes(KEY, ID),
  streamDeploymentEvents: codes(KEY, ID),
  pauseDeployment: codes(KEY, ID, RUNPOD, ['CONFLICT', 'NO_CAPACITY']),
  resumeDeployment: codes(KEY, ID, RUNPOD, ['CONFLICT', 'NO_CAPACITY']),
  createJob: codes(KEY, ID, BODY, RUNPOD, ['WEBHOOK_URL_REJECTED', 'CONFLICT', 'NO_CAPACITY']),
  listJobs: codes(KEY, ID),
  getJob: codes(KEY, ID, RUNPOD),
  cancelJob: codes(KEY, ID, RUNPOD, ['CONFLICT']),
  createEstimate: codes(KEY, BODY, HUB, [
    'WEBHOOK_URL_REJECTED',
    'CACHE_ENDPOINT_REJECTED',
    'MODEL_TOO_LARGE',
    'NO_CAPACITY',
  ]),
  listGpuPools: KEY,
  listModels: [],
  health: [],
  openApiDocument: [],
  postWorkerEvent: codes(ID, BODY),
  getWorkerManifest: codes(ID, ['CACHE_ACCESS_DENIED', 'UPSTREAM_UNAVAILABLE']),
  postJobHint: codes(ID, BODY, RUNPOD),
};
const fails = (operationId: string) => problemResponses(OPERATION_ERRORS[operationId] ?? []);
const ok = (
  description: string,
  body: string | null,
  extra: { headers?: Record<string, unknown>; links?: Record<string, unknown> } = {},
) => ({
  description,
  headers: { ...requestIdHeader, ...extra.headers },
  ...(body === null ? {} : { content: json(body) }),
  ...(extra.links ? { links: extra.links } : {}),
});
const location = (what: string) => ({
  Location: {
    description: `The new ${what}'s URL path`,
    required: true,
    schema: { type: 'string' },
  },
});

const auth = [{ runpodKey: [] }, { runpodKeyHeader: [] }];
const dplId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'A deployment id (`dpl_…`); another key`s deployment answers 404',
  schema: { type: 'string', pattern: '^dpl_[a-z2-7]{26}$' },
};
const jobId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'A job id (`job_…`); another key`s job answers 404',
  schema: { type: 'string', pattern: '^job_[a-z2-7]{26}$' },
};
const listParams = (statuses: readonly string[]) => [
  {
    name: 'status',
    in: 'query',
    description: 'Only objects in this status',
    schema: { type: 'string', enum: [...statuses] },
  },
  {
    name: 'limit',
    in: 'query',
    description: 'Page size (default 20)',
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
  {
    name: 'cursor',
    in: 'query',
    description:
      'Opaque: the `next_cursor` of the previous page, exactly as returned. Any other value is 400 VALIDATION_FAILED (`cursor`).',
    schema: { type: 'string', minLength: 1, maxLength: 512 },
  },
];

const fromCreatedDeployment = { id: '$response.body#/deployment_id' };
const deploymentLinks = {
  GetDeployment: { operationId: 'getDeployment', parameters: fromCreatedDeployment },
  DeleteDeployment: { operationId: 'deleteDeployment', parameters: fromCreatedDeployment },
  PauseDeployment: { operationId: 'pauseDeployment', parameters: fromCreatedDeployment },
  ResumeDeployment: { operationId: 'resumeDeployment', parameters: fromCreatedDeployment },
  ListJobs: { operationId: 'listJobs', parameters: fromCreatedDeployment },
  CreateJob: { operationId: 'createJob', parameters: fromCreatedDeployment },
};
const fromJob = { id: '$response.body#/job_id' };
const jobLinksOut = {
  GetJob: { operationId: 'getJob', parameters: fromJob },
  CancelJob: { operationId: 'cancelJob', parameters: fromJob },
};

const DELETED_READABLE =
  'A deleted deployment stays readable (status `deleting`, then `deleted`) with its history, jobs and costs, like a receipt; it never comes back to life.';

/**
 * The OpenAPI 3.1 document, generated from the zod schemas that validate the same requests and
 * shape the same responses. `/openapi.json` serves it; `npm run test:api-fuzz` holds the server to it.
 */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Visgate Deploy API',
      version: '1.0.0',
      description: `Deploy a Hugging Face diffusion model to a RunPod serverless endpoint. Every error is application/problem+json (RFC 9457) with a stable \`code\`; a method a path does not declare answers 405 with \`Allow\`. ${DELETED_READABLE}`,
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        runpodKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'RunPod API key',
          description: `Your RunPod API key (pattern \`${RUNPOD_KEY_PATTERN.source}\`); a missing or malformed key is 401 UNAUTHORIZED. RunPod verifies it when you create a deployment (401 RUNPOD_AUTH). On reads the key names your tenant: a well-formed key that owns nothing gets empty lists and 404s, never another tenant's objects.`,
        },
        runpodKeyHeader: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Runpod-Api-Key',
          description:
            'The same RunPod API key in this header instead (it wins over Authorization)',
        },
        deploymentEventsToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            "The per-deployment token in the worker template's VISGATE_EVENTS_TOKEN; any other token answers 404 (no oracle for deployment ids)",
        },
        jobHintToken: {
          type: 'apiKey',
          in: 'query',
          name: 'token',
          description:
            'The per-job token in the webhook URL we give RunPod; any other token answers 404',
        },
      },
      schemas: {
        CreateDeployment: schema(CreateDeploymentBodySchema, 'input'),
        DeploymentAccepted: schema(DeploymentAcceptedSchema),
        Deployment: schema(PublicDeploymentSchema),
        DeploymentList: schema(page(PublicDeploymentSchema)),
        WorkerEvent: schema(WorkerEventSchema, 'input'),
        WorkerManifest: schema(WorkerManifestSchema),
        CreateJob: withJobInputRules(schema(CreateJobBodySchema, 'input')),
        JobAccepted: schema(JobAcceptedSchema),
        Job: schema(JobViewSchema),
        JobRead: schema(JobReadSchema),
        JobList: schema(page(JobViewSchema)),
        EstimateResult: schema(EstimateResultSchema),
        GpuPools: schema(GpuPoolsSchema),
        Models: schema(ModelsSchema),
        Health: schema(HealthSchema),
        Problem: schema(ProblemSchema),
      },
    },
    paths: {
      '/v1/deployments': {
        post: {
          operationId: 'createDeployment',
          summary: 'Deploy a model',
          security: auth,
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              description:
                'Same key and body within 24 h → the first response again (`Idempotent-Replayed: true`); a different body → 409 IDEMPOTENCY_MISMATCH',
              schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source },
            },
          ],
          requestBody: { required: true, content: json('CreateDeployment') },
          responses: {
            '202': ok('Accepted: the deployment runs through its steps', 'DeploymentAccepted', {
              headers: {
                ...location('deployment'),
                'Idempotent-Replayed': {
                  description: '`true` when this is the stored first response to the same key',
                  schema: { type: 'string', enum: ['true'] },
                },
              },
              links: deploymentLinks,
            }),
            ...fails('createDeployment'),
          },
        },
        get: {
          operationId: 'listDeployments',
          summary: 'Your deployments, newest first (deleted ones included)',
          security: auth,
          parameters: listParams(DEPLOYMENT_STATUSES),
          responses: {
            '200': ok('One page', 'DeploymentList'),
            ...fails('listDeployments'),
          },
        },
      },
      '/v1/deployments/{id}': {
        get: {
          operationId: 'getDeployment',
          summary: 'A deployment',
          description: DELETED_READABLE,
          security: auth,
          parameters: [dplId],
          responses: { '200': ok('The deployment', 'Deployment'), ...fails('getDeployment') },
        },
        delete: {
          operationId: 'deleteDeployment',
          summary:
            'Delete the RunPod endpoint and template (billing stops); repeating it is harmless',
          description: `202: \`deleting\`, then \`deleted\` once RunPod's resources are gone. ${DELETED_READABLE}`,
          'x-readable-after-delete-as': ['deleting', 'deleted'],
          security: auth,
          parameters: [dplId],
          responses: { '202': ok('Deleting', 'Deployment'), ...fails('deleteDeployment') },
        },
      },
      '/v1/deployments/{id}/events': {
        get: {
          operationId: 'streamDeploymentEvents',
          summary:
            'Server-Sent Events: one `status` event (the deployment) per change; closes at ready, paused, failed or deleted, or with a `reconnect` event after SSE_MAX_STREAM_S; `Last-Event-ID` resumes',
          security: auth,
          parameters: [
            dplId,
            {
              name: 'Last-Event-ID',
              in: 'header',
              description: 'The last `id` seen: only later versions are sent',
              schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
            },
          ],
          responses: {
            '200': {
              description: 'The event stream',
              headers: {
                ...requestIdHeader,
                'Cache-Control': { schema: { type: 'string', const: 'no-cache, no-transform' } },
                'X-Accel-Buffering': { schema: { type: 'string', const: 'no' } },
              },
              content: {
                'text/event-stream': {
                  schema: {
                    description:
                      'One event: `event: status`, `id` the version, `data` the deployment as JSON',
                    type: 'object',
                    required: ['data'],
                    properties: {
                      event: { const: 'status' },
                      id: { type: 'string', pattern: '^[0-9]+$' },
                      retry: { type: 'integer' },
                      data: {
                        type: 'string',
                        contentMediaType: 'application/json',
                        contentSchema: ref('Deployment'),
                      },
                    },
                  },
                },
              },
            },
            ...fails('streamDeploymentEvents'),
          },
        },
      },
      '/v1/deployments/{id}/pause': {
        post: {
          operationId: 'pauseDeployment',
          summary: 'Scale the endpoint to zero workers (kept, not billing): ready → paused',
          description: 'Paused already: 200 again. Any other status: 409 CONFLICT.',
          security: auth,
          parameters: [dplId],
          responses: { '200': ok('Paused', 'Deployment'), ...fails('pauseDeployment') },
        },
      },
      '/v1/deployments/{id}/resume': {
        post: {
          operationId: 'resumeDeployment',
          summary: 'Restore the configured workers: paused → loading → ready',
          description: 'Not paused: 409 CONFLICT.',
          security: auth,
          parameters: [dplId],
          responses: { '202': ok('Loading', 'Deployment'), ...fails('resumeDeployment') },
        },
      },
      '/v1/deployments/{id}/jobs': {
        post: {
          operationId: 'createJob',
          summary: 'Run an inference job on a ready deployment (409 CONFLICT otherwise)',
          description:
            "400 VALIDATION_FAILED also for fields the deployment cannot serve, before RunPod sees the job: `num_frames`/`fps`/mp4 on an image model, `image`/`mask`/`strength` on a video model or a family without image-to-image, `loras` where the family loads none, `lora_scale` without the deployment's own adapters (`errors[].path` names each, e.g. `input.num_frames`).",
          security: auth,
          parameters: [dplId],
          requestBody: { required: true, content: json('CreateJob') },
          responses: {
            '202': ok('Queued', 'JobAccepted', {
              headers: location('job'),
              links: jobLinksOut,
            }),
            ...fails('createJob'),
          },
        },
        get: {
          operationId: 'listJobs',
          summary: "The deployment's jobs, newest first (also after it was deleted)",
          security: auth,
          parameters: [dplId, ...listParams(JOB_STATUSES)],
          responses: { '200': ok('One page', 'JobList'), ...fails('listJobs') },
        },
      },
      '/v1/jobs/{id}': {
        get: {
          operationId: 'getJob',
          summary:
            'A job, re-read from RunPod while it runs; output with base64 while RunPod keeps it',
          security: auth,
          parameters: [jobId],
          responses: { '200': ok('The job', 'JobRead'), ...fails('getJob') },
        },
      },
      '/v1/jobs/{id}/cancel': {
        post: {
          operationId: 'cancelJob',
          summary: 'Cancel a queued or running job; a finished job is returned as it is',
          security: auth,
          parameters: [jobId],
          responses: { '200': ok('The job', 'Job'), ...fails('cancelJob') },
        },
      },
      '/v1/estimates': {
        post: {
          operationId: 'createEstimate',
          summary: 'Estimate VRAM, GPU pool and price without deploying (creates nothing)',
          security: auth,
          requestBody: { required: true, content: json('CreateDeployment') },
          responses: {
            '200': ok('Estimate and pool choice', 'EstimateResult'),
            ...fails('createEstimate'),
          },
        },
      },
      '/v1/gpus': {
        get: {
          operationId: 'listGpuPools',
          summary: 'GPU pools: cards, usable memory, price; live stock when you send your key',
          security: [{}, ...auth],
          responses: { '200': ok('Pools, cheapest first', 'GpuPools'), ...fails('listGpuPools') },
        },
      },
      '/v1/models': {
        get: {
          operationId: 'listModels',
          summary: 'Models with known figures and whether our worker serves them',
          security: [],
          responses: { '200': ok('Model specs', 'Models'), ...fails('listModels') },
        },
      },
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Liveness',
          security: [],
          responses: { '200': ok('Serving', 'Health'), ...fails('health') },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApiDocument',
          summary: 'This document',
          security: [],
          responses: {
            '200': {
              description: 'OpenAPI 3.1',
              headers: requestIdHeader,
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            ...fails('openApiDocument'),
          },
        },
      },
      '/internal/worker-events/{id}': {
        post: {
          operationId: 'postWorkerEvent',
          summary: 'Worker progress and readiness (our worker only)',
          security: [{ deploymentEventsToken: [] }],
          parameters: [dplId],
          requestBody: { required: true, content: json('WorkerEvent') },
          responses: {
            '204': { description: 'Recorded', headers: requestIdHeader },
            ...fails('postWorkerEvent'),
          },
        },
      },
      '/internal/worker-manifest/{id}': {
        get: {
          operationId: 'getWorkerManifest',
          summary:
            "The model cache's files with fresh presigned GET URLs, for a worker starting now (our worker only); 404 until a complete copy exists",
          security: [{ deploymentEventsToken: [] }],
          parameters: [dplId],
          responses: {
            '200': ok('The files', 'WorkerManifest', {
              headers: { 'Cache-Control': { schema: { type: 'string', const: 'no-store' } } },
            }),
            ...fails('getWorkerManifest'),
          },
        },
      },
      '/internal/job-hints/{id}': {
        post: {
          operationId: 'postJobHint',
          summary:
            "RunPod's job webhook: a hint to re-read the job's status from RunPod (the body is ignored)",
          security: [{ jobHintToken: [] }],
          parameters: [jobId],
          responses: {
            '204': { description: 'Noted', headers: requestIdHeader },
            ...fails('postJobHint'),
          },
        },
      },
    },
  };
}

/** Each path of the document as a matcher, with the methods it declares (HEAD with GET). */
export function declaredMethods(
  doc: Record<string, unknown>,
): { pattern: RegExp; allow: string[] }[] {
  const paths = doc.paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).map(([template, ops]) => {
    const methods = Object.keys(ops).map((m) => m.toUpperCase());
    if (methods.includes('GET')) methods.push('HEAD');
    const source = template
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    return { pattern: new RegExp(`^${source}/?$`), allow: methods };
  });
}
