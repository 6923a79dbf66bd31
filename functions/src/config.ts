import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const secondsList = z
  .string()
  .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'comma-separated seconds, e.g. "0,5,300"')
  .transform((s) => s.split(',').map((x) => Math.round(Number(x) * 1000)));

/** The default WORKER_IMAGE: a name, not a published image; a real deploy must set its own. */
export const PLACEHOLDER_WORKER_IMAGE = 'ghcr.io/visgate-ai/visgate-worker:0.1.0';

/** GCP mode: where the project's Firestore, Pub/Sub and Cloud Tasks live, and who calls whom. */
const GcpConfigShape = {
  GCP_PROJECT_ID: z.string().min(1).optional(),
  GCP_REGION: z.string().min(1).default('us-central1'),
  FIRESTORE_DATABASE: z.string().min(1).default('(default)'),
  /** Base of the task-target function URLs; default `https://REGION-PROJECT.cloudfunctions.net`. */
  FUNCTIONS_BASE_URL: z.url().optional(),
  TASKS_POLL_URL: z.url().optional(),
  TASKS_WEBHOOK_DELIVERY_URL: z.url().optional(),
  TASKS_SETTLE_URL: z.url().optional(),
  TASKS_JOB_POLL_URL: z.url().optional(),
  TASKS_CACHE_FILL_URL: z.url().optional(),
  /** Service account Cloud Tasks signs its OIDC tokens as; the targets accept only this one. */
  TASKS_INVOKER_SA: z.email().optional(),
  /** OIDC audience of task tokens; default the target URL. */
  TASKS_OIDC_AUDIENCE: z.string().min(1).optional(),
  FIRESTORE_EMULATOR_HOST: z.string().min(1).optional(),
  PUBSUB_EMULATOR_HOST: z.string().min(1).optional(),
  CLOUD_TASKS_EMULATOR_HOST: z.string().min(1).optional(),
};

/** Every configuration variable, with its default. docs/configuration.md documents each (a test holds them together). */
export const ConfigSchema = z.object({
  MODE: z.enum(['local', 'gcp']).default('local'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_BASE_URL: z.url().optional(),
  RUNPOD_API_URL: z.url().default('https://api.runpod.io'),
  RUNPOD_ENDPOINT_URL: z.url().default('https://api.runpod.ai'),
  HF_HUB_URL: z.url().default('https://huggingface.co'),
  /** Local mode's default is a placeholder (the RunPod simulator never pulls it); gcp mode needs a real one. */
  WORKER_IMAGE: z.string().min(1).default(PLACEHOLDER_WORKER_IMAGE),
  /** The worker image's CUDA build (worker/Dockerfile CUDA_VERSION): RunPod places workers only on hosts that offer it. Empty: no floor. */
  WORKER_MIN_CUDA_VERSION: z
    .string()
    .regex(/^(\d+\.\d+)?$/, 'must be major.minor, e.g. 12.8, or empty')
    .default('12.8'),
  WORKER_MIN_DISK_GB: z.coerce.number().int().min(5).max(1000).default(20),
  EXECUTION_TIMEOUT_S: z.coerce.number().int().min(5).max(604_800).default(600),
  /**
   * Local mode: the SQLite file the stores and scheduled tasks live in, so a restart forgets
   * nothing (`npm start` uses `.visgate/local.db`). Unset or empty: memory only (tests, the demo).
   */
  LOCAL_STATE_PATH: z.string().optional(),
  OWNER_PEPPER: z.string().min(16).optional(),
  SECRETS_KEY: z
    .string()
    .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be 32 bytes, base64')
    .optional(),
  HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  POLL_INTERVAL_MS: z.coerce.number().int().positive().default(5_000),
  POLL_MAX_INTERVAL_MS: z.coerce.number().int().positive().default(30_000),
  LOAD_TIMEOUT_S: z.coerce.number().positive().default(1_800),
  THROTTLE_GRACE_S: z.coerce.number().positive().default(300),
  CRASHLOOP_UNHEALTHY_POLLS: z.coerce.number().int().min(1).default(3),
  READY_PROBE_AFTER_S: z.coerce.number().nonnegative().default(120),
  CATALOG_TTL_S: z.coerce.number().nonnegative().default(300),
  REAPER_INTERVAL_S: z.coerce.number().positive().default(60),
  STEP_DEADLINE_S: z.coerce.number().positive().default(900),
  /**
   * Deliveries of one step message before the deployment is failed with the step's last error
   * (embedded bus and Pub/Sub alike). At most 10: the Pub/Sub subscriptions dead-letter after 10.
   */
  STEP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(10),
  PROVISION_LEASE_S: z.coerce.number().positive().default(150),
  /**
   * Use RunPod's cached models (GraphQL `modelReferences`) for public models when no S3 cache hit
   * applies: the download happens on RunPod's side before the worker starts, unbilled.
   */
  RUNPOD_MODEL_CACHE: bool.prefault('true'),
  SECRET_RETENTION_S: z.coerce.number().nonnegative().default(3600),
  WEBHOOK_RETRY_SCHEDULE_S: secondsList.prefault('0,5,300,1800,7200,18000,36000,36000'),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  WEBHOOK_ALLOW_PRIVATE_HOSTS: bool.optional(),
  IDEMPOTENCY_TTL_S: z.coerce.number().int().positive().default(86_400),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(65_536),
  /**
   * Longest one SSE response stays open; it then ends with a `reconnect` event and the client
   * resumes with Last-Event-ID. Below the api function's timeout (3600 s), which would cut it.
   */
  SSE_MAX_STREAM_S: z.coerce.number().positive().max(3600).default(3300),
  BUS_DUPLICATE_DELIVERY: bool.prefault('false'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Platform ("shared") model cache: `s3://bucket[/prefix]`; unset disables the shared scope. */
  SHARED_CACHE_S3_URL: z
    .string()
    .regex(
      /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/,
      'must look like s3://bucket[/prefix]',
    )
    .optional(),
  /** S3-compatible endpoint of the shared cache (R2, MinIO); unset for AWS S3. */
  SHARED_CACHE_ENDPOINT_URL: z.url().optional(),
  /** Shared cache key pair (Secret Manager in gcp mode); never logged, never sent to workers. */
  SHARED_CACHE_ACCESS_KEY_ID: z.string().min(1).optional(),
  SHARED_CACHE_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Comma-separated model ids (or `org/*`) the shared cache serves. */
  SHARED_CACHE_ALLOWED_MODELS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    ),
  /** true: `cache.scope=shared` for an unlisted model fails validation; false: it uses the Hub. */
  SHARED_CACHE_REJECT_UNLISTED: bool.prefault('false'),
  /** Verify filled LFS files against the Hub's sha256 oid (false only for the HF simulator). */
  CACHE_VERIFY_LFS_OID: bool.prefault('true'),
  /** Lifetime of the presigned GET URLs a worker gets for cached files (covers the load window). */
  CACHE_PRESIGN_TTL_S: z.coerce.number().int().min(60).max(604_800).default(3600),
  /** Lease of a running cache fill (one per model@sha and bucket); renewed before each file copy. */
  CACHE_FILL_LEASE_S: z.coerce.number().int().min(60).max(86_400).default(900),
  /** The built web console (console/build.ts); unset: `console/` beside the bundle, else `.build/console`. */
  CONSOLE_ASSETS_DIR: z.string().min(1).optional(),
  /**
   * The Firebase web app's apiKey and appId (public values, not secrets). With both in gcp mode the
   * console listens with Firestore onSnapshot on deployment_status/{id}; otherwise it uses SSE.
   */
  CONSOLE_FIREBASE_API_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{20,100}$/, 'must be a Firebase web API key')
    .optional(),
  CONSOLE_FIREBASE_APP_ID: z
    .string()
    .regex(/^\d+:\d+:web:[0-9a-f]+$/, 'must be a Firebase web app id such as 1:123:web:abc')
    .optional(),
  ...GcpConfigShape,
});

/** Read-only: built once by `loadConfig` and frozen, so no module can change what another reads. */
export type Config = Readonly<
  Omit<
    z.output<typeof ConfigSchema>,
    | 'OWNER_PEPPER'
    | 'SECRETS_KEY'
    | 'WEBHOOK_ALLOW_PRIVATE_HOSTS'
    | 'PUBLIC_BASE_URL'
    | 'SHARED_CACHE_ACCESS_KEY_ID'
    | 'SHARED_CACHE_SECRET_ACCESS_KEY'
    | 'WEBHOOK_RETRY_SCHEDULE_S'
    | 'SHARED_CACHE_ALLOWED_MODELS'
  > & {
    PUBLIC_BASE_URL: string;
    WEBHOOK_ALLOW_PRIVATE_HOSTS: boolean;
    WEBHOOK_RETRY_SCHEDULE_S: readonly number[];
    SHARED_CACHE_ALLOWED_MODELS: readonly string[];
    secrets: Readonly<{
      ownerPepper: string;
      secretsKey: Buffer;
      /** Key pair of the shared model cache, when configured. */
      sharedCache?: Readonly<{ accessKeyId: string; secretAccessKey: string }> | null;
    }>;
  }
>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses configuration once, at the composition root. In gcp mode the two server secrets are
 * required; in local mode they default to per-process random values (nothing persists anyway).
 * Throws ConfigError listing every bad variable.
 */
/** The function this process serves (FUNCTION_TARGET, set by Cloud Functions and functions-framework). */
export function functionTarget(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  return env.FUNCTION_TARGET;
}

/**
 * Which secrets this process is given (gcp mode: the function's manifest `secrets`, see
 * entry/index.ts). One not given is never read: using the owner pepper then throws.
 */
export interface SecretNeeds {
  ownerPepper: boolean;
  sharedCache: boolean;
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  randomBytes: (n: number) => Buffer = (n) =>
    Buffer.from(crypto.getRandomValues(new Uint8Array(n))),
  needs: SecretNeeds = { ownerPepper: true, sharedCache: true },
): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(`invalid configuration:\n${z.prettifyError(parsed.error)}`);
  const c = parsed.data;
  if (c.MODE === 'gcp' && c.SECRETS_KEY === undefined) {
    throw new ConfigError('invalid configuration: SECRETS_KEY is required in gcp mode');
  }
  if (c.MODE === 'gcp' && needs.ownerPepper && c.OWNER_PEPPER === undefined) {
    throw new ConfigError('invalid configuration: OWNER_PEPPER is required in gcp mode');
  }
  // RunPod would fail to pull the placeholder: refuse at startup, not at the first deployment. On
  // the emulators (FIRESTORE_EMULATOR_HOST) the RunPod simulator never pulls an image.
  if (
    c.MODE === 'gcp' &&
    c.WORKER_IMAGE === PLACEHOLDER_WORKER_IMAGE &&
    c.FIRESTORE_EMULATOR_HOST === undefined
  ) {
    throw new ConfigError(
      `invalid configuration: WORKER_IMAGE is the placeholder ${PLACEHOLDER_WORKER_IMAGE}; set the worker image you pushed (infra/deploy.sh --worker-image)`,
    );
  }
  if (c.MODE === 'gcp' && c.GCP_PROJECT_ID === undefined) {
    throw new ConfigError('invalid configuration: GCP_PROJECT_ID is required in gcp mode');
  }
  if (
    needs.sharedCache &&
    c.SHARED_CACHE_S3_URL !== undefined &&
    (c.SHARED_CACHE_ACCESS_KEY_ID === undefined || c.SHARED_CACHE_SECRET_ACCESS_KEY === undefined)
  ) {
    throw new ConfigError(
      'invalid configuration: SHARED_CACHE_S3_URL needs SHARED_CACHE_ACCESS_KEY_ID and SHARED_CACHE_SECRET_ACCESS_KEY',
    );
  }
  const {
    OWNER_PEPPER,
    SECRETS_KEY,
    WEBHOOK_ALLOW_PRIVATE_HOSTS,
    PUBLIC_BASE_URL,
    SHARED_CACHE_ACCESS_KEY_ID,
    SHARED_CACHE_SECRET_ACCESS_KEY,
    ...rest
  } = c;
  const secrets: Config['secrets'] = {
    ownerPepper: OWNER_PEPPER ?? randomBytes(32).toString('base64'),
    secretsKey: SECRETS_KEY ? Buffer.from(SECRETS_KEY, 'base64') : randomBytes(32),
    sharedCache:
      needs.sharedCache && SHARED_CACHE_ACCESS_KEY_ID && SHARED_CACHE_SECRET_ACCESS_KEY
        ? {
            accessKeyId: SHARED_CACHE_ACCESS_KEY_ID,
            secretAccessKey: SHARED_CACHE_SECRET_ACCESS_KEY,
          }
        : null,
  };
  if (c.MODE === 'gcp' && !needs.ownerPepper) {
    // Never a random stand-in in gcp mode: owner hashes must match across functions.
    Object.defineProperty(secrets, 'ownerPepper', {
      enumerable: false,
      get(): never {
        throw new ConfigError('OWNER_PEPPER is not mounted on this function (manifest secrets)');
      },
    });
  }
  if (secrets.sharedCache) Object.freeze(secrets.sharedCache);
  return Object.freeze({
    ...rest,
    WEBHOOK_RETRY_SCHEDULE_S: Object.freeze(rest.WEBHOOK_RETRY_SCHEDULE_S),
    SHARED_CACHE_ALLOWED_MODELS: Object.freeze(rest.SHARED_CACHE_ALLOWED_MODELS),
    PUBLIC_BASE_URL: PUBLIC_BASE_URL ?? `http://${c.HOST}:${c.PORT}`,
    WEBHOOK_ALLOW_PRIVATE_HOSTS: WEBHOOK_ALLOW_PRIVATE_HOSTS ?? c.MODE === 'local',
    secrets: Object.freeze(secrets),
  });
}

/**
 * `npm start`'s environment: the local server remembers by default (LOCAL_STATE_PATH
 * `.visgate/local.db`), while tests and the demo, which call loadConfig directly, stay in memory.
 */
export function localServerEnv(
  env: Record<string, string | undefined> = process.env,
): Record<string, string | undefined> {
  return { ...env, LOCAL_STATE_PATH: env.LOCAL_STATE_PATH ?? '.visgate/local.db' };
}

/** The configuration with secrets replaced by "<set>", safe to log. */
export function describeConfig(config: Config): Record<string, unknown> {
  const { secrets: _secrets, ...rest } = config;
  return {
    ...rest,
    secrets: {
      ownerPepper: '<set>',
      secretsKey: '<set>',
      ...(config.secrets.sharedCache ? { sharedCache: '<set>' } : {}),
    },
  };
}
