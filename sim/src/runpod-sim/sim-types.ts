/** The simulator's switches, its records and the snapshots it hands to tests. */

/**
 * `https://huggingface.co/<org>/<name>[:<revision>]`, the form RunPod's console and runpodctl use.
 * Here, not in graphql-routes.ts, so worker-lifecycle.ts reads it without an import cycle.
 */
export const MODEL_REFERENCE = /^https:\/\/huggingface\.co\/([\w.-]+\/[\w.-]+)(?::([\w.-]+))?$/;

export interface RunPodSimOptions {
  /** Added before every response (management and data plane). */
  latencyMs: number;
  /** Share (0..1) of requests answered 500 problem+json before any work is done. */
  errorRate5xx: number;
  /** Share (0..1) of requests answered 429 problem+json with `Retry-After: 1`. */
  rate429: number;
  /** Seed of the PRNG that draws the 5xx / 429 faults, so a run is reproducible. */
  seed: number;
  /** Free GPUs per pool id; a pool not listed has unlimited capacity. */
  capacity: Record<string, number>;
  /**
   * `POST /v2/serverless` asking for active workers (`workers.min` > 0) is refused with 400 when
   * none of its pools has a free GPU, instead of creating the endpoint with THROTTLED workers (the
   * default). RunPod refuses a placement it cannot make with "There are no longer any instances
   * available with the requested specifications. Please refresh and try again." (the GraphQL
   * message quoted in runpod/runpodctl issue #189 and dstack issue #1740); the original system
   * handled exactly this at `saveEndpoint` (../shared/reference/seed-inventory.md, "global search").
   */
  refuseCreateWithoutCapacity: boolean;
  /** Every worker crash-loops (INITIALIZING → UNHEALTHY → INITIALIZING …, never ready). */
  crashLoop: boolean;
  /** Workers whose env `VISGATE_MODEL_ID` is listed crash-loop. */
  crashLoopModels: string[];
  /**
   * Workers post `failed` with this error instead of `ready`, go UNHEALTHY, and are restarted
   * after `restartMs` (RunPod restarts a crashed worker: docs `serverless/workers/overview.mdx`,
   * "Unhealthy — Crashed; auto-retries for up to 7 days", and `development/fitness-checks.mdx`).
   */
  failLoad: { code: string; message: string } | null;
  /** INITIALIZING time before the download starts (image pull, container start). */
  initMs: number;
  downloadMs: number;
  /** Download progress events sent during `downloadMs` (besides the final 100 %). */
  downloadSteps: number;
  loadMs: number;
  /** Time an UNHEALTHY crash-looping worker waits before it restarts. */
  restartMs: number;
  /** How long one job RUNS on a worker. */
  jobMs: number;
  /** When set, every job that runs to the end FAILS with this error string instead of completing. */
  jobError: string | null;
  /**
   * Milliseconds of simulated idle per second of the endpoint's `workers.idleTimeout`: 1000 is real
   * time (the default), 1 turns 10 s into 10 ms for tests, 0 never scales idle workers down.
   */
  idleTimeoutScale: number;
  /** Retries of a failed worker callback (after the first try), with doubling backoff. */
  callbackRetries: number;
  callbackBackoffMs: number;
  /** GraphQL `saveEndpoint` with model references fails with this message (RunPod refusing them). */
  modelReferenceError: string | null;
  /**
   * How long RunPod takes to put a newly referenced cached model on a host. Workers wait until
   * then, unbilled, listed INITIALIZING (docs `serverless/workers/overview.mdx`:
   * "Initializing — … downloading cached models (if using model caching) — Billing: No";
   * `endpoints/model-caching.mdx`: "Wait for model download on target host → Worker ready after
   * download").
   */
  cacheFillMs: number;
  /**
   * REST PATCH clears GraphQL's model references. REST v2's UpdateEndpointRequest says "Only
   * provided fields are changed" and has no such field, so the default keeps them; nothing
   * promises it, so callers must verify (this switch plays the worst case).
   */
  patchClearsModelReferences: boolean;
  /** How long a finished `/run` job's result stays readable (docs `endpoints/send-requests.mdx`: 30 min). */
  runResultRetentionMs: number;
  /** How long a finished `/runsync` job's result stays readable (same page: 1 min). */
  runSyncResultRetentionMs: number;
  /** Called with every response the simulator sends (in addition to `sim.responses`). */
  onResponse: ((response: RecordedResponse) => void) | null;
  /**
   * Run our real Python worker for each sim worker instead of playing it (`real-worker.ts`); null
   * (the default) plays it. The other switches about boot and jobs (`downloadMs`, `jobMs`, …) do
   * not apply to a real worker; `restartMs` does.
   */
  realWorker: RealWorkerOptions | null;
  /**
   * Dev mode (`npm run dev`): any well-formed RunPod key (`RUNPOD_KEY_PATTERN`) is an account of
   * its own, made on first use, so two keys are two tenants. Off, only `addAccount` keys exist, as
   * on RunPod, where an unknown key is a 401.
   */
  acceptAnyKey: boolean;
  /**
   * Keep accounts (templates, endpoints, jobs) in this JSON file across restarts
   * (`persist-world.ts`); null keeps them in memory only. Read once at start.
   */
  stateFile: string | null;
}

/** How to start the real worker (see `real-worker.ts`). */
export interface RealWorkerOptions {
  /**
   * The container's entry point (worker/Dockerfile CMD), e.g. `['python3', '-m',
   * 'visgate_worker.main']`; the sim appends the runpod SDK's local API flags.
   */
  command: string[];
  cwd?: string;
  /**
   * Env over the endpoint's (the host: `VISGATE_DEVICE=cpu`, `HF_ENDPOINT`, `PYTHONPATH`). Each
   * start gets a fresh temporary `VISGATE_MODELS_DIR`, `VISGATE_RUNPOD_CACHE_DIR` and `HF_HOME`.
   */
  env?: Record<string, string>;
  /** Only endpoints whose `VISGATE_MODEL_ID` is listed get the real worker; every one when unset. */
  models?: string[];
  /** Each line the worker prints on stdout or stderr. */
  onOutput?: (workerId: string, line: string) => void;
  /** The worker is stopped (and restarted) if its API does not answer within this. Default 300 s. */
  bootTimeoutMs?: number;
}

export const DEFAULT_OPTIONS: RunPodSimOptions = {
  latencyMs: 0,
  errorRate5xx: 0,
  rate429: 0,
  seed: 1,
  capacity: {},
  refuseCreateWithoutCapacity: false,
  crashLoop: false,
  crashLoopModels: [],
  failLoad: null,
  initMs: 30,
  downloadMs: 60,
  downloadSteps: 2,
  loadMs: 30,
  restartMs: 30,
  jobMs: 20,
  jobError: null,
  idleTimeoutScale: 1000,
  callbackRetries: 3,
  callbackBackoffMs: 10,
  modelReferenceError: null,
  cacheFillMs: 40,
  patchClearsModelReferences: false,
  runResultRetentionMs: 30 * 60_000,
  runSyncResultRetentionMs: 60_000,
  onResponse: null,
  realWorker: null,
  acceptAnyKey: false,
  stateFile: null,
};

/** Which of the two RunPod hosts a request addresses (api.runpod.io vs api.runpod.ai). */
export type Plane = 'management' | 'data';

export interface RecordedCall {
  method: string;
  /** Path without the query string. */
  path: string;
  status: number;
  /** API key of the caller when it named a known account, else null. */
  account: string | null;
  plane: Plane;
}

export interface RecordedResponse extends RecordedCall {
  /** Path template, e.g. `/v2/serverless/{id}`, or null for an unknown path. */
  route: string | null;
  contentType: string | null;
  /** Parsed JSON body; undefined for an empty body (204). */
  body: unknown;
}

export type WorkerStatus = 'RUNNING' | 'IDLE' | 'INITIALIZING' | 'THROTTLED' | 'UNHEALTHY';

export interface WorkerRecord {
  id: string;
  endpointId: string;
  status: WorkerStatus;
  pool: string | null;
  gpuTypeId: string | null;
  dataCenterId: string | null;
  startedAt: string | null;
  /** Epoch ms since the worker became IDLE, else null. */
  idleSince: number | null;
  /** Crash-loop restarts so far. */
  restarts: number;
  jobId: string | null;
  /** Event types whose POST reached the events URL with a 2xx, in order (played workers only). */
  delivered: string[];
  /** Process id of a real worker's process while it runs (`realWorker`), else null. */
  pid: number | null;
}

export type JobStatus =
  'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

export interface JobRecord {
  id: string;
  status: JobStatus;
  input: Record<string, unknown>;
  lowPriority: boolean;
  /** Sent to `/runsync` (results kept 1 min) rather than `/run` (30 min). */
  sync: boolean;
  executionTimeoutMs: number | null;
  webhook: string | null;
  createdAtMs: number;
  startedAtMs: number | null;
  finishedAtMs: number | null;
  workerId: string | null;
  output?: unknown;
  error?: string;
}

export interface EndpointRecord {
  id: string;
  name: string;
  type: 'QUEUE' | 'LOAD_BALANCER';
  templateId: string | null;
  image: string | null;
  env: Record<string, string>;
  gpu: {
    pools: string[];
    excludedTypes?: string[];
    count: number;
    allowedCudaVersions: string[];
    minCudaVersion: string | null;
  };
  workers: { min: number; max: number; idleTimeout: number };
  scaling: Record<string, unknown>;
  dataCenterIds: string[];
  networkVolumes: string[];
  timeout: number;
  flashboot: string;
  createdAt: string;
  version: number;
  jobStats: { completed: number; failed: number; retried: number };
  /**
   * Cached models (`https://huggingface.co/org/name:<sha>`, the revision resolved to a commit sha
   * as RunPod stores it), set through GraphQL only; REST omits them.
   */
  modelReferences: string[];
  /** Epoch ms when RunPod has the referenced models on a host (null: nothing to fill). */
  modelCacheReadyAtMs: number | null;
}

export type TemplateRecord = Record<string, unknown> & {
  id: string;
  name: string;
  env: Record<string, string>;
  image: string;
};

/** What one account holds, as plain copies safe to keep after the simulator moves on. */
export interface AccountSnapshot {
  endpoints: EndpointRecord[];
  templates: TemplateRecord[];
  workers: WorkerRecord[];
  jobs: JobRecord[];
}
