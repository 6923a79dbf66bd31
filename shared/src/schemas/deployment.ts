import { z } from 'zod';
import { ErrorCodeSchema } from '../errors';
import { deliverySchema } from './delivery';
import { DeploymentSettingsSchema, TaskSchema, WebhookEventTypeSchema } from './create-deployment';

export const DeploymentLoraSchema = z.object({
  hf_repo: z.string(),
  revision: z.string(),
  weight_name: z.string().nullable(),
  scale: z.number(),
  revision_sha: z.string().nullable(),
  file: z.string().nullable(),
  bytes: z.number().int().nonnegative().nullable(),
  /** The base family the adapter targets, as detected (card `base_model`, header keys). */
  base_family: z.string().nullable(),
  /** Gated or private: the worker gets the user's hf_token to fetch it. */
  needs_token: z.boolean(),
});
export type DeploymentLora = z.infer<typeof DeploymentLoraSchema>;

export const DEPLOYMENT_STATUSES = [
  'queued',
  'validating',
  'selecting_gpu',
  'provisioning',
  'loading',
  'ready',
  'paused',
  'failed',
  'deleting',
  'deleted',
] as const;
export const DeploymentStatusSchema = z.enum(DEPLOYMENT_STATUSES);
export type DeploymentStatus = z.infer<typeof DeploymentStatusSchema>;

export const PIPELINE_STEPS = [
  'api',
  'validate',
  'select_gpu',
  'provision',
  'poll',
  'worker',
  'teardown',
] as const;
export const StepSchema = z.enum(PIPELINE_STEPS);
export type Step = z.infer<typeof StepSchema>;

export const DeploymentErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  retryable: z.boolean(),
  step: StepSchema,
});
export type DeploymentError = z.infer<typeof DeploymentErrorSchema>;

export const HistoryEntrySchema = z.object({
  from: DeploymentStatusSchema.nullable(),
  to: DeploymentStatusSchema,
  at: z.iso.datetime(),
  reason: z.string().nullable(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const DTYPES = [
  'F64',
  'F32',
  'F16',
  'BF16',
  'F8_E4M3',
  'F8_E5M2',
  'I64',
  'I32',
  'I16',
  'I8',
  'U8',
  'BOOL',
] as const;
export const DtypeSchema = z.enum(DTYPES);
export type Dtype = z.infer<typeof DtypeSchema>;

export const ComponentEstimateSchema = z.object({
  name: z.string(),
  class_name: z.string().nullable(),
  dtype: z.string(),
  bytes: z.number().int().nonnegative(),
  params: z.number().int().nonnegative(),
  files: z.array(z.string()),
});
export type ComponentEstimate = z.infer<typeof ComponentEstimateSchema>;

export const MemoryPlanSchema = z.object({
  dtype: z.enum(['float16', 'bfloat16']),
  vae_slicing: z.boolean(),
  vae_tiling: z.boolean(),
  offload: z.enum(['none', 'model', 'sequential']),
  fits: z.boolean(),
  reason: z.string(),
  need_bytes: z.number().int().nonnegative(),
});

/** A video job's shape and its activation phases (video families only). */
export const VideoEstimateSchema = z.object({
  width: z.int(),
  height: z.int(),
  num_frames: z.int(),
  fps: z.int(),
  latent_frames: z.int(),
  latent_tokens: z.int(),
  dit_activation_bytes: z.number().int().nonnegative(),
  vae_decode_bytes: z.number().int().nonnegative(),
});

export const EstimateSchema = z.object({
  method: z.enum(['safetensors_headers', 'registry']),
  family: z.string(),
  resolution: z.int(),
  /** Weights resident on the GPU: the components plus deploy-time LoRA adapters. */
  weights_bytes: z.number().int().nonnegative(),
  activation_bytes: z.number().int().nonnegative(),
  overhead_bytes: z.number().int().nonnegative(),
  /** Peak with everything on the GPU (the `none` plan). */
  vram_bytes: z.number().int().nonnegative(),
  components: z.array(ComponentEstimateSchema),
  /** Deploy-time LoRA adapters' bytes, counted in weights_bytes. */
  lora_bytes: z.number().int().nonnegative().optional(),
  video: VideoEstimateSchema.optional(),
  /** The plans a pool may be chosen under, lightest first (video families add tiling and offload). */
  memory_plans: z.array(MemoryPlanSchema).optional(),
});
export type Estimate = z.infer<typeof EstimateSchema>;

export const SkippedPoolSchema = z.object({ pool: z.string(), reason: z.string() });

export const GpuChoiceSchema = z.object({
  pool: z.string(),
  fallback_pools: z.array(z.string()),
  /** Every pool tried in order, for capacity failover: the live endpoint uses `active_pools`. */
  candidates: z.array(z.string()),
  active_pools: z.array(z.string()),
  price_per_hour_usd: z.number(),
  usable_vram_bytes: z.number().int(),
  skipped: z.array(SkippedPoolSchema),
  /** GPU types RunPod placed the workers on, once known (e.g. "NVIDIA RTX A4000"). */
  placed_on: z.array(z.string()).optional(),
  /** The memory plan the pool was chosen under (the worker reaches the same from the estimate). */
  memory_plan: MemoryPlanSchema.optional(),
});
export type GpuChoice = z.infer<typeof GpuChoiceSchema>;

export const ProgressSchema = z.object({
  stage: z.enum([
    'queued',
    'validating',
    'selecting_gpu',
    'provisioning',
    'waiting_for_worker',
    'downloading',
    'loading',
    'warming_up',
    'ready',
  ]),
  bytes_done: z.number().int().nonnegative().nullable(),
  bytes_total: z.number().int().nonnegative().nullable(),
  throughput_bytes_per_s: z.number().nonnegative().nullable(),
  source: z.string().nullable(),
  worker_id: z.string().nullable(),
  updated_at: z.iso.datetime(),
});
export type Progress = z.infer<typeof ProgressSchema>;

export const WorkerCountsSchema = z.object({
  idle: z.int(),
  initializing: z.int(),
  running: z.int(),
  throttled: z.int(),
  unhealthy: z.int(),
});
export type WorkerCounts = z.infer<typeof WorkerCountsSchema>;

export const DeliverySchema = deliverySchema(WebhookEventTypeSchema);
export type Delivery = z.infer<typeof DeliverySchema>;

/**
 * `deployments/{id}`: everything a client may see, plus the owner hash and bookkeeping the steps need.
 * Never holds a secret: keys, tokens and webhook URLs live encrypted in the secrets store.
 */
export const DeploymentSchema = z.object({
  deployment_id: z.string(),
  owner_hash: z.string(),
  status: DeploymentStatusSchema,
  hf_model_id: z.string(),
  revision: z.string(),
  revision_sha: z.string().nullable(),
  /** The task asked for; null until validate defaults it from the pipeline class. */
  task: TaskSchema.nullable(),
  /** Deploy-time LoRA adapters; `revision_sha`, `file` and `bytes` once validated. Never secrets. */
  loras: z.array(DeploymentLoraSchema).default([]),
  pipeline: z.string().nullable(),
  model: z
    .object({
      gated: z.union([z.literal(false), z.literal('auto'), z.literal('manual')]),
      private: z.boolean(),
      library_name: z.string().nullable(),
      pipeline_tag: z.string().nullable(),
      total_file_bytes: z.number().int().nonnegative(),
    })
    .nullable(),
  estimate: EstimateSchema.nullable(),
  gpu: GpuChoiceSchema.nullable(),
  endpoint_id: z.string().nullable(),
  template_id: z.string().nullable(),
  endpoint_url: z.string().nullable(),
  settings: DeploymentSettingsSchema,
  progress: ProgressSchema,
  workers: WorkerCountsSchema.nullable(),
  timings: z.object({
    validated_at: z.iso.datetime().nullable(),
    gpu_selected_at: z.iso.datetime().nullable(),
    provisioned_at: z.iso.datetime().nullable(),
    ready_at: z.iso.datetime().nullable(),
    seconds_to_ready: z.number().nullable(),
    fetch_s: z.number().nullable(),
    load_s: z.number().nullable(),
    warmup_s: z.number().nullable(),
  }),
  peak_vram_bytes: z.number().int().nullable(),
  cost: z.object({ price_per_hour_usd: z.number().nullable(), spent_usd: z.number() }),
  error: DeploymentErrorSchema.nullable(),
  webhook: z
    .object({
      url_host: z.string(),
      events: z.array(WebhookEventTypeSchema),
      disabled: z.boolean(),
      deliveries: z.array(DeliverySchema),
    })
    .nullable(),
  history: z.array(HistoryEntrySchema),
  /** Step bookkeeping: poll attempts, capacity timers, probe jobs, whether RunPod resources are gone. */
  runtime: z.object({
    poll_attempt: z.int().nonnegative(),
    loading_started_at: z.iso.datetime().nullable(),
    throttled_since: z.iso.datetime().nullable(),
    idle_seen_at: z.iso.datetime().nullable(),
    unhealthy_polls: z.int().nonnegative(),
    probe_job_id: z.string().nullable(),
    /** While set and in the future, one provision attempt owns the RunPod side effects. */
    provision_lease_until: z.iso.datetime().nullable(),
    /** Provision attempts that took the lease; from the second on, resources are looked up first. */
    provision_attempts: z.int().nonnegative(),
    worker_ready_at: z.iso.datetime().nullable(),
    settled: z.boolean(),
    resources_released: z.boolean(),
    /** When the reaper last re-published a stuck step's message. */
    nudged_at: z.iso.datetime().nullable().default(null),
    /** When spend was last accounted from the worker list. */
    cost_checked_at: z.iso.datetime().nullable().default(null),
    /** Secrets dropped after the retention window: the deployment is fully closed. */
    secrets_purged: z.boolean().default(false),
    /**
     * The cached model set on the RunPod endpoint (GraphQL `modelReferences`), or null. Every later
     * REST update checks it is still there and sets it again if not.
     */
    runpod_model_reference: z.string().nullable().default(null),
    /**
     * Failed runs of each creation step since it last succeeded, counted by the step itself so a
     * poison step is bounded whatever the transport reports about redeliveries. Absent: none.
     */
    step_failures: z.record(z.string(), z.int().nonnegative()).optional(),
  }),
  metadata: z.record(z.string(), z.string()),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  version: z.int().nonnegative(),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

/** Statuses at which progress has ended (SSE closes, nothing more happens without the user). */
export const SETTLED_STATUSES: readonly DeploymentStatus[] = [
  'ready',
  'paused',
  'failed',
  'deleted',
];

/** The view of a deployment the API returns: the document without internal bookkeeping. */
export function publicDeployment(doc: Deployment): PublicDeployment {
  const { owner_hash: _owner, runtime: _runtime, version: _version, ...rest } = doc;
  return rest;
}
export const PublicDeploymentSchema = DeploymentSchema.omit({
  owner_hash: true,
  runtime: true,
  version: true,
});
export type PublicDeployment = z.infer<typeof PublicDeploymentSchema>;
