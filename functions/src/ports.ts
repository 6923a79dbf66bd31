import type { Readable } from 'node:stream';
import type { Deployment, DeploymentStatus, Job, JobStatus, RequestSecrets } from '@visgate/shared';

/** Time source. Handlers never call Date.now(); tests pass a clock they control. */
export interface Clock {
  now(): Date;
}

/** Structured logger. Fields must never carry a secret (keys, tokens, webhook URLs, S3 credentials). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Source of randomness for ids, tokens and secrets (crypto-strength in production). */
export type RandomBytes = (n: number) => Uint8Array;

export interface ListDeploymentsQuery {
  ownerHash: string;
  status?: DeploymentStatus;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

/** `deployments/{id}`, with Firestore semantics: atomic read-modify-write and listeners. */
export interface DeploymentStore {
  /** Creates the document; throws AppError CONFLICT if the id exists. */
  create(doc: Deployment): Promise<void>;
  get(id: string): Promise<Deployment | null>;
  /**
   * Atomically reads the document, applies `fn` and writes its result, bumping `version`. `fn`
   * returns null to leave the document untouched (a stale or duplicate step). Returns the written
   * document, or null when the document is missing or `fn` declined. `fn` may run more than once.
   */
  mutate(id: string, fn: (doc: Deployment) => Deployment | null): Promise<Deployment | null>;
  /** Newest first; cursor pagination stable under concurrent inserts. */
  list(q: ListDeploymentsQuery): Promise<{ docs: Deployment[]; nextCursor: string | null }>;
  /** Calls `onChange` with the current document and then with every committed change. Returns unsubscribe. */
  watch(id: string, onChange: (doc: Deployment) => void): () => void;
}

/** Queries across all owners, for the reaper only (never exposed through the API). */
export interface DeploymentScanner {
  /** Deployments in any of `statuses`, oldest `updated_at` first, at most `limit`. */
  scan(q: { statuses: readonly DeploymentStatus[]; limit: number }): Promise<Deployment[]>;
}

/** What we hold for a deployment that must never be readable in the clear outside our functions. */
export interface DeploymentSecrets {
  runpodApiKey: string | null;
  hfToken: string | null;
  webhookUrl: string | null;
  webhookSecret: string | null;
  /** The per-deployment token the worker presents to workerEvents (also in the RunPod template env). */
  eventsToken: string | null;
  /** The private cache bucket's location and key pair, as the request gave them. */
  cache: RequestSecrets['cache'];
}

/** `deployment_secrets/{id}`: encrypted at rest (AES-256-GCM) by the adapter. */
export interface SecretStore {
  put(id: string, secrets: DeploymentSecrets): Promise<void>;
  get(id: string): Promise<DeploymentSecrets | null>;
  /** Merges fields into the stored secrets (no-op when missing). */
  patch(id: string, fields: Partial<DeploymentSecrets>): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface IdempotencyRecord {
  requestHash: string;
  /** HTTP status of the first response; 0 while the first request is still running. */
  status: number;
  body: unknown;
  createdAt: string;
}

/** `idempotency/{owner}:{key}`, 24 h. */
export interface IdempotencyStore {
  /**
   * Stores the record unless one exists for the key; returns the existing record (not expired) or null
   * when this call stored it.
   */
  putIfAbsent(
    scopedKey: string,
    record: IdempotencyRecord,
    ttlMs: number,
  ): Promise<IdempotencyRecord | null>;
  get(scopedKey: string): Promise<IdempotencyRecord | null>;
  /** Overwrites the record (the final response after an in-progress claim). */
  put(scopedKey: string, record: IdempotencyRecord, ttlMs: number): Promise<void>;
  delete(scopedKey: string): Promise<void>;
}

export const TOPICS = [
  'deployment-validate',
  'deployment-select-gpu',
  'deployment-provision',
  'deployment-teardown',
] as const;
export type Topic = (typeof TOPICS)[number];

/** Every bus message carries the deployment id only; the document is the source of truth. */
export interface DeploymentMessage {
  deployment_id: string;
}

/** Pub/Sub semantics: at-least-once, any order; a handler that throws gets the message again later. */
export interface Bus {
  publish(topic: Topic, msg: DeploymentMessage): Promise<void>;
}

export const QUEUES = [
  'deployment-poll',
  'webhook-delivery',
  'deployment-settle',
  'job-poll',
  'cache-fill',
] as const;
export type QueueName = (typeof QUEUES)[number];

export interface TaskSpec {
  queue: QueueName;
  /** Named tasks dedupe: a second enqueue with the same name is dropped. */
  name?: string;
  payload: Record<string, unknown>;
  delayMs?: number;
}

/** Cloud Tasks semantics: delay, named-task dedupe, retry on throw. */
export interface TaskQueue {
  enqueue(task: TaskSpec): Promise<void>;
}

/** What runs a queue's task: the Cloud Tasks HTTP target and the embedded queue call it alike. */
export type TaskHandler = (
  payload: Record<string, unknown>,
  meta: { name: string | null; retryCount: number },
) => Promise<void>;

// ---------------------------------------------------------------------------------------------
// RunPod (management REST v2 + endpoint data plane), in our terms.

export interface RunPodTemplateSpec {
  name: string;
  image: string;
  diskGb: number;
  env: Record<string, string>;
}

export interface RunPodEndpointSpec {
  name: string;
  templateId: string;
  pools: string[];
  workersMin: number;
  workersMax: number;
  idleTimeoutS: number;
  flashboot: boolean;
  dataCenterIds: string[] | null;
  executionTimeoutMs: number;
  /**
   * Lowest CUDA version a host must offer (`gpu.minCudaVersion`, `major.minor`): the worker image's
   * CUDA build. Null sets no floor.
   */
  minCudaVersion: string | null;
}

/**
 * An endpoint as REST v2 returns it. The spec's `Endpoint` has no `templateId` (a template is
 * copied into the endpoint at creation, and no link is kept), so which template a deployment uses
 * is known only from our own document (`template_id`).
 */
export interface RunPodEndpoint {
  id: string;
  name: string;
  pools: string[];
  workersMin: number;
  workersMax: number;
  /** Null when RunPod omits it (request-count scaling). */
  idleTimeoutS: number | null;
  flashboot: boolean;
  dataCenterIds: string[];
  executionTimeoutMs: number | null;
  minCudaVersion: string | null;
  runUrl: string;
}

export interface RunPodTemplate {
  id: string;
  name: string;
}

export interface RunPodHealth {
  jobs: { completed: number; failed: number; inProgress: number; inQueue: number; retried: number };
  workers: {
    idle: number;
    initializing: number;
    ready: number;
    running: number;
    throttled: number;
    unhealthy: number;
  };
}

export interface RunPodWorker {
  id: string;
  /** `UNKNOWN`: a status RunPod added after our parser was written (logged, never counted). */
  status: 'RUNNING' | 'IDLE' | 'INITIALIZING' | 'THROTTLED' | 'UNHEALTHY' | 'UNKNOWN';
  gpuTypeId: string | null;
  startedAt: string | null;
}

export interface RunPodGpuType {
  id: string;
  name: string;
  pool: string | null;
  memoryGb: number;
  /** Serverless list price per GPU-hour, when RunPod reports one. */
  serverlessPricePerHour: number | null;
  availability: 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' | null;
}

export interface RunPodJobStatus {
  id: string;
  status: 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';
  output?: unknown;
  error?: unknown;
  delayTime?: number;
  executionTime?: number;
}

/**
 * RunPod on behalf of one user (the key is passed per call, never stored by the client). Every
 * method throws AppError: RUNPOD_AUTH (401/403), NOT_FOUND (404), NO_CAPACITY (placement refused),
 * RATE_LIMITED (429, with retryAfterS), UPSTREAM_UNAVAILABLE (5xx, timeout, network; retryable),
 * VALIDATION_FAILED (400/422: a bug on our side). Messages are scrubbed of the key.
 */
export interface RunPodApi {
  /** Cheap authenticated read used to verify a key at creation. */
  verifyKey(apiKey: string): Promise<void>;
  listGpuTypes(apiKey: string): Promise<RunPodGpuType[]>;
  createTemplate(apiKey: string, spec: RunPodTemplateSpec): Promise<RunPodTemplate>;
  listTemplates(apiKey: string): Promise<RunPodTemplate[]>;
  deleteTemplate(apiKey: string, id: string): Promise<void>;
  createEndpoint(apiKey: string, spec: RunPodEndpointSpec): Promise<RunPodEndpoint>;
  getEndpoint(apiKey: string, id: string): Promise<RunPodEndpoint>;
  listEndpoints(apiKey: string): Promise<RunPodEndpoint[]>;
  /** PATCH: only the fields given change. */
  updateEndpoint(
    apiKey: string,
    id: string,
    patch: Partial<Omit<RunPodEndpointSpec, 'name' | 'templateId'>>,
  ): Promise<RunPodEndpoint>;
  /**
   * Sets the endpoint's cached models (RunPod downloads them to its hosts, unbilled, before a worker
   * starts). REST v2 has no such field, so this is GraphQL `saveEndpoint` with the endpoint's id;
   * `endpoint` carries the whole configuration because an update may reset what it omits. Answers
   * the references RunPod stored.
   */
  setModelReferences(
    apiKey: string,
    endpoint: RunPodEndpointSpec & { id: string },
    references: string[],
  ): Promise<string[]>;
  /** The cached models RunPod holds for the endpoint (GraphQL; REST v2 omits them). */
  getModelReferences(apiKey: string, endpointId: string): Promise<string[]>;
  deleteEndpoint(apiKey: string, id: string): Promise<void>;
  listWorkers(apiKey: string, endpointId: string): Promise<RunPodWorker[]>;
  health(apiKey: string, endpointId: string): Promise<RunPodHealth>;
  /** `/run`; `webhookUrl` is RunPod's own (unsigned) completion callback. */
  runJob(
    apiKey: string,
    endpointId: string,
    input: unknown,
    policy?: { lowPriority?: boolean; executionTimeoutMs?: number; ttlMs?: number },
    webhookUrl?: string,
  ): Promise<{ id: string }>;
  /** `/status/{id}`; NOT_FOUND once RunPod has dropped the job (results are kept ~30 min). */
  jobStatus(apiKey: string, endpointId: string, jobId: string): Promise<RunPodJobStatus>;
  /** `/cancel/{id}`: cancels a queued or running job; a finished one is left as it is. */
  cancelJob(apiKey: string, endpointId: string, jobId: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Inference jobs.

export interface ListJobsQuery {
  ownerHash: string;
  deploymentId: string;
  status?: JobStatus;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

/** `jobs/{id}`, with the same semantics as DeploymentStore (atomic mutate, bumped `version`). */
export interface JobStore {
  /** Creates the document; throws AppError CONFLICT if the id exists. */
  create(doc: Job): Promise<void>;
  get(id: string): Promise<Job | null>;
  /** Atomic read-modify-write; `fn` returns null to leave the job untouched. Null when missing or declined. */
  mutate(id: string, fn: (doc: Job) => Job | null): Promise<Job | null>;
  /** One deployment's jobs of one owner, newest first; throws VALIDATION_FAILED for a bad cursor. */
  list(q: ListJobsQuery): Promise<{ docs: Job[]; nextCursor: string | null }>;
}

// ---------------------------------------------------------------------------------------------
// Hugging Face Hub, in our terms.

export interface HubComponent {
  /** Folder name in the repo, e.g. "unet", "text_encoder", "transformer". */
  name: string;
  /** `[library, class]` from model_index.json, e.g. "UNet2DConditionModel". */
  className: string | null;
  /** Weight files chosen for this component (variant files when present). */
  files: string[];
  /** Variant used, e.g. "fp16", or null for the default weights. */
  variant: string | null;
  /** Exact tensor bytes from the safetensors headers. */
  bytes: number;
  params: number;
  /** Dominant dtype, e.g. "F16". */
  dtype: string;
  paramsByDtype: Record<string, number>;
}

export interface HubModelReport {
  modelId: string;
  revisionSha: string;
  gated: false | 'auto' | 'manual';
  private: boolean;
  libraryName: string | null;
  pipelineTag: string | null;
  /** `_class_name` of model_index.json, e.g. "StableDiffusionXLPipeline". */
  pipelineClass: string;
  components: HubComponent[];
  /** Sum of every file's size in the repo at that revision (what a full snapshot would download). */
  totalFileBytes: number;
}

/**
 * Reads what we need about a model from the Hub. Throws AppError: MODEL_NOT_FOUND (missing, or
 * private without a token that can see it), MODEL_GATED (gated and the token is missing or lacks
 * access), MODEL_PRIVATE (private and the token cannot see it), MODEL_UNSUPPORTED (no
 * model_index.json / not a diffusers pipeline / no safetensors weights), UPSTREAM_UNAVAILABLE
 * (5xx, 429, timeouts; retryable). The token never appears in a message.
 */
export interface ModelHub {
  inspect(
    modelId: string,
    opts: { revision: string; token: string | null },
  ): Promise<HubModelReport>;
  /**
   * Reads a LoRA adapter repo: its commit, the `.safetensors` file chosen (`weightName`, else the
   * one at the root, preferring `pytorch_lora_weights.safetensors`), that file's header, and the
   * card's `base_model`. Throws LORA_NOT_FOUND (missing, or private without a token that can see
   * it), MODEL_GATED (as for models), LORA_INVALID (no or ambiguous safetensors file, malformed
   * header), UPSTREAM_UNAVAILABLE.
   */
  inspectLora(
    repo: string,
    opts: { revision: string; token: string | null; weightName: string | null },
  ): Promise<HubLoraReport>;
}

export interface HubLoraReport {
  repo: string;
  revisionSha: string;
  gated: false | 'auto' | 'manual';
  private: boolean;
  file: string;
  /** Stored tensor bytes and parameters, from the header. */
  bytes: number;
  params: number;
  /** Tensor names and shapes from the header. */
  tensors: { name: string; shape: number[] }[];
  /** The card's `base_model` (cardData), as the Hub returns it: a string, a list, or null. */
  baseModel: unknown;
}

// ---------------------------------------------------------------------------------------------

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** Outbound webhook POST. Never throws for HTTP outcomes: returns the status, or an error string. */
export interface WebhookSender {
  send(req: WebhookRequest): Promise<{ status: number | null; error: string | null }>;
}

// ---------------------------------------------------------------------------------------------
// Model cache storage and the files it is filled from.

export interface ObjectInfo {
  size: number;
  /** `x-amz-meta-sha256` written by the fill job, or null. */
  sha256: string | null;
}

/**
 * One bucket (AWS S3, R2, MinIO). Every failure is an AppError: refused credentials or bucket are
 * CACHE_ACCESS_DENIED naming the bucket, never a secret; a user endpoint that resolves to a
 * non-public address is CACHE_ENDPOINT_REJECTED; anything else is UPSTREAM_UNAVAILABLE.
 */
export interface ObjectStore {
  readonly bucket: string;
  /** Size and checksum metadata, or null when the object is absent. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Every object under `prefix` with its size. */
  list(prefix: string): Promise<Map<string, number>>;
  getText(key: string): Promise<string | null>;
  /** Streams a body of known size (bounded memory). */
  putStream(
    key: string,
    body: Readable,
    meta: { sha256: string; contentType?: string },
  ): Promise<void>;
  /** Text and ETag of an object, or null when absent (the ETag feeds `putConditional`). */
  getWithEtag(key: string): Promise<{ text: string; etag: string } | null>;
  /** Writes only if nothing exists at `key`; false when a concurrent writer got there first. */
  putIfAbsent(key: string, body: string, contentType?: string): Promise<boolean>;
  /** Create-only or replace-exactly-this-version; the new ETag, or null when the condition failed. */
  putConditional(
    key: string,
    body: string,
    cond: { ifNoneMatch: '*' } | { ifMatch: string },
    contentType?: string,
  ): Promise<string | null>;
  put(key: string, body: string, contentType?: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Deletes only the version with `etag`; false when it changed or is gone. */
  deleteIfMatch(key: string, etag: string): Promise<boolean>;
  presignGet(key: string, ttlS: number): Promise<string>;
  /** Releases the connections; the store is not used afterwards. */
  destroy(): void;
}

export interface ObjectStoreAccess {
  /** Custom endpoint for R2 / MinIO / a local server; null for AWS. */
  endpointUrl: string | null;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Opens a bucket. `userEndpoint` marks an endpoint a user gave: it is held to the outbound URL rules
 * (CACHE_ENDPOINT_REJECTED otherwise) at creation and at every connection.
 */
export type OpenObjectStore = (
  bucket: string,
  access: ObjectStoreAccess,
  opts?: { userEndpoint: boolean },
) => ObjectStore;

/** One file of a pinned revision; `sha256` is known up front for LFS files (their oid). */
export interface SourceFile {
  path: string;
  size: number;
  sha256: string | null;
}

/** Where the cache fill reads a model's files from (the Hub), with the user's token or none. */
export interface ModelFileSource {
  list(modelId: string, revisionSha: string): Promise<SourceFile[]>;
  open(modelId: string, revisionSha: string, path: string): Promise<Readable>;
}

export type OpenModelFiles = (token: string | null) => ModelFileSource;

/** DNS: every address of a host (the outbound URL rules check them all). */
export type ResolveHost = (host: string) => Promise<string[]>;
