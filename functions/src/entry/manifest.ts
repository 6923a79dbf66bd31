import type { SecretNeeds } from '../config';
import type { QueueName, Topic } from '../ports';

/** Who invokes a function: Pub/Sub through Eventarc, Cloud Tasks, Cloud Scheduler or the internet. */
export type Trigger =
  | { kind: 'http'; public: true }
  | { kind: 'pubsub'; topic: Topic }
  | { kind: 'task'; queue: QueueName }
  | { kind: 'scheduler'; schedule: string };

/** One deployed Cloud Function (gen2). infra/ is generated from this list; a test keeps them equal. */
export interface FunctionSpec {
  name: string;
  trigger: Trigger;
  memory: '256Mi' | '512Mi' | '1Gi';
  timeoutS: number;
  /** Requests one instance serves at once (gen2); event functions stay at 1 for clean retries. */
  concurrency: number;
  maxInstances: number;
  /** Event functions only redeliver a failed event when deployed with --retry. */
  retry: boolean;
  /** Runtime service account (short name; `@PROJECT.iam.gserviceaccount.com` is appended). */
  serviceAccount: string;
  /**
   * Secret Manager secrets mounted as env variables of the same name: only those the function
   * reads (loadConfig requires exactly these in gcp mode; see secretNeedsOf).
   */
  secrets: readonly ServerSecret[];
  /** Reads or writes the shared model cache: mounts its key pair when a deploy configures one. */
  sharedCache: boolean;
  /** Project roles the runtime service account needs, and why (docs/google-cloud.md lists them). */
  roles: readonly { role: string; why: string }[];
}

const FIRESTORE = { role: 'roles/datastore.user', why: 'reads and writes its documents' };
const PUBLISH = { role: 'roles/pubsub.publisher', why: 'hands the deployment to the next step' };
const ENQUEUE = { role: 'roles/cloudtasks.enqueuer', why: 'schedules polls and webhooks' };
const ACT_AS = {
  role: 'roles/iam.serviceAccountUser',
  why: 'lets Cloud Tasks mint OIDC tokens as visgate-invoker (granted on that account only)',
};
/** The server secrets (Secret Manager); the shared cache's key pair is added by infra/plan.ts. */
export type ServerSecret = 'OWNER_PEPPER' | 'SECRETS_KEY';
// Every function opens deployment secrets (SECRETS_KEY); only api derives owner hashes and job
// hint tokens (OWNER_PEPPER).
const SEALED = ['SECRETS_KEY'] as const;

const step = (
  name: string,
  topic: Topic,
  roles: FunctionSpec['roles'],
  timeoutS = 120,
  sharedCache = false,
): FunctionSpec => ({
  name,
  trigger: { kind: 'pubsub', topic },
  memory: '512Mi',
  timeoutS,
  concurrency: 1,
  maxInstances: 20,
  retry: true,
  serviceAccount: `visgate-${name.toLowerCase()}`,
  secrets: SEALED,
  sharedCache,
  roles,
});

const task = (name: string, queue: QueueName, roles: FunctionSpec['roles']): FunctionSpec => ({
  name,
  trigger: { kind: 'task', queue },
  memory: '256Mi',
  timeoutS: 60,
  concurrency: 20,
  maxInstances: 20,
  retry: false,
  serviceAccount: `visgate-${name.toLowerCase()}`,
  secrets: SEALED,
  sharedCache: false,
  roles,
});

/** Every function this system deploys. */
export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'api',
    trigger: { kind: 'http', public: true },
    memory: '512Mi',
    // The longest an HTTP function may run (gen2: 60 min): a `visgate deploy --follow` SSE stream
    // stays open until the deployment settles. The stream itself ends before this
    // (SSE_MAX_STREAM_S) with a reconnect hint, so the platform never cuts it mid-event.
    timeoutS: 3600,
    concurrency: 40,
    maxInstances: 50,
    retry: false,
    serviceAccount: 'visgate-api',
    secrets: ['OWNER_PEPPER', 'SECRETS_KEY'],
    // GET /internal/worker-manifest/{id} presigns shared-cache URLs.
    sharedCache: true,
    roles: [FIRESTORE, PUBLISH, ENQUEUE, ACT_AS],
  },
  step('validate', 'deployment-validate', [FIRESTORE, PUBLISH, ENQUEUE, ACT_AS]),
  step('selectGpu', 'deployment-select-gpu', [FIRESTORE, PUBLISH, ENQUEUE, ACT_AS]),
  // provision presigns cached files for the worker; teardown deletes the worker manifest.
  step('provision', 'deployment-provision', [FIRESTORE, PUBLISH, ENQUEUE, ACT_AS], 300, true),
  step('teardown', 'deployment-teardown', [FIRESTORE, PUBLISH, ENQUEUE, ACT_AS], 300, true),
  task('poll', 'deployment-poll', [FIRESTORE, PUBLISH, ENQUEUE, ACT_AS]),
  task('deliverWebhook', 'webhook-delivery', [FIRESTORE, ENQUEUE, ACT_AS]),
  task('settle', 'deployment-settle', [FIRESTORE, PUBLISH, ENQUEUE, ACT_AS]),
  task('pollJob', 'job-poll', [FIRESTORE, ENQUEUE, ACT_AS]),
  // Streams a whole model revision into a bucket: a 34 GB model at ~100 MB/s needs ~6 min. 30 min
  // is Cloud Tasks' longest dispatch deadline; a cut-off attempt is retried and resumes (files
  // already copied with the right size and digest are skipped), so even slower fills converge.
  {
    ...task('cacheFill', 'cache-fill', [FIRESTORE]),
    sharedCache: true,
    memory: '1Gi',
    timeoutS: 1800,
    concurrency: 1,
  },
  {
    name: 'reaper',
    trigger: { kind: 'scheduler', schedule: '*/5 * * * *' },
    memory: '512Mi',
    timeoutS: 540,
    concurrency: 1,
    maxInstances: 1,
    retry: false,
    serviceAccount: 'visgate-reaper',
    secrets: SEALED,
    sharedCache: false,
    roles: [FIRESTORE, PUBLISH, ENQUEUE, ACT_AS],
  },
];

/** The service account Cloud Tasks and Cloud Scheduler sign their OIDC tokens as. */
export const INVOKER_SERVICE_ACCOUNT = 'visgate-invoker';

/** Retry configuration of each queue (gcloud tasks queues create flags). */
export const QUEUE_RETRY: Record<
  QueueName,
  { maxAttempts: number; minBackoffS: number; maxBackoffS: number; maxDoublings: number }
> = {
  // The poller re-enqueues itself; retries only cover a failed poll (RunPod 5xx, timeouts).
  'deployment-poll': { maxAttempts: 20, minBackoffS: 2, maxBackoffS: 60, maxDoublings: 5 },
  // The handler schedules its own attempts (WEBHOOK_RETRY_SCHEDULE_S); these cover crashes.
  'webhook-delivery': { maxAttempts: 10, minBackoffS: 5, maxBackoffS: 600, maxDoublings: 6 },
  'deployment-settle': { maxAttempts: 20, minBackoffS: 5, maxBackoffS: 300, maxDoublings: 5 },
  'job-poll': { maxAttempts: 20, minBackoffS: 2, maxBackoffS: 60, maxDoublings: 5 },
  // A fill that fails (Hub or bucket outage) resumes on retry. A crashed fill's lease holds for
  // CACHE_FILL_LEASE_S (15 min): the attempts span ~1.5 h (60 s doubling to 30 min), so the retries
  // outlast it and one of them takes the lease over.
  'cache-fill': { maxAttempts: 8, minBackoffS: 60, maxBackoffS: 1800, maxDoublings: 5 },
};

/** The secrets loadConfig must find for the function `target` (all of them for an unknown one). */
export function secretNeedsOf(target: string | undefined): SecretNeeds {
  const spec = FUNCTIONS.find((f) => f.name === target);
  if (!spec) return { ownerPepper: true, sharedCache: true };
  return { ownerPepper: spec.secrets.includes('OWNER_PEPPER'), sharedCache: spec.sharedCache };
}
