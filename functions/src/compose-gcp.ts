import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { CloudTasksClient } from '@google-cloud/tasks';
import { credentials } from '@grpc/grpc-js';
import type { Config } from './config';
import { outboundDeps, type OutboundOverrides } from './compose-outbound';
import { FUNCTIONS, INVOKER_SERVICE_ACCOUNT } from './entry/manifest';
import { createSecretBox } from './adapters/crypto/secret-box';
import { sealIdempotencyStore } from './adapters/crypto/sealed-idempotency-store';
import { createCloudTasksQueue, type TaskTarget } from './adapters/gcp/cloud-tasks-queue';
import { createFirestoreDeploymentStore } from './adapters/gcp/firestore-deployment-store';
import { createFirestoreJobStore } from './adapters/gcp/firestore-job-store';
import { createFirestoreIdempotencyStore } from './adapters/gcp/firestore-idempotency-store';
import { createFirestoreSecretStore } from './adapters/gcp/firestore-secret-store';
import { createPubSubBus } from './adapters/gcp/pubsub-bus';
import { createJsonLogger } from './adapters/log/json-logger';
import type { Deps } from './deps';
import { QUEUES, type Clock, type Logger, type QueueName } from './ports';

const systemClock: Clock = { now: () => new Date() };

/** The function each queue's tasks are POSTed to (see entry/manifest.ts). */
export const QUEUE_TARGET_FUNCTION: Record<QueueName, string> = {
  'deployment-poll': 'poll',
  'webhook-delivery': 'deliverWebhook',
  'deployment-settle': 'settle',
  'job-poll': 'pollJob',
  'cache-fill': 'cacheFill',
};

/**
 * A task's dispatch deadline is its target function's timeout, within Cloud Tasks' limits for HTTP
 * targets (15 s to 30 min), so a long cache fill is not cut off and retried at the 10-minute default
 * while it is still copying.
 */
export function dispatchDeadlineS(queue: QueueName): number {
  const fn = FUNCTIONS.find((f) => f.name === QUEUE_TARGET_FUNCTION[queue]);
  return Math.min(1800, Math.max(15, fn?.timeoutS ?? 600));
}

function splitHost(hostPort: string): { servicePath: string; port: number } {
  const i = hostPort.lastIndexOf(':');
  return { servicePath: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) };
}

/** The Google clients, pointed at the emulators when their hosts are configured. */
export function createGcpClients(config: Config) {
  const projectId = requireProject(config);
  const firestore = new Firestore({
    projectId,
    databaseId: config.FIRESTORE_DATABASE,
    ignoreUndefinedProperties: true,
    ...(config.FIRESTORE_EMULATOR_HOST ? { host: config.FIRESTORE_EMULATOR_HOST, ssl: false } : {}),
  });
  const pubsub = new PubSub({
    projectId,
    ...(config.PUBSUB_EMULATOR_HOST
      ? { apiEndpoint: config.PUBSUB_EMULATOR_HOST, emulatorMode: true }
      : {}),
  });
  const tasks = config.CLOUD_TASKS_EMULATOR_HOST
    ? new CloudTasksClient({
        ...splitHost(config.CLOUD_TASKS_EMULATOR_HOST),
        sslCreds: credentials.createInsecure(),
      })
    : new CloudTasksClient();
  return {
    projectId,
    firestore,
    pubsub,
    tasks,
    async close(): Promise<void> {
      await Promise.all([firestore.terminate(), pubsub.close(), tasks.close()]);
    },
  };
}

export type GcpClients = ReturnType<typeof createGcpClients>;

function requireProject(config: Config): string {
  if (!config.GCP_PROJECT_ID) throw new Error('GCP_PROJECT_ID is not configured');
  return config.GCP_PROJECT_ID;
}

/** The account Cloud Tasks and Cloud Scheduler mint OIDC tokens as (and the task targets accept). */
export function invokerServiceAccount(config: Config): string {
  return (
    config.TASKS_INVOKER_SA ??
    `${INVOKER_SERVICE_ACCOUNT}@${requireProject(config)}.iam.gserviceaccount.com`
  );
}

/** Where each queue's tasks go: explicit URL, else FUNCTIONS_BASE_URL (or the default) + name. */
export function taskTargets(config: Config): Record<QueueName, TaskTarget> {
  const base =
    config.FUNCTIONS_BASE_URL ??
    `https://${config.GCP_REGION}-${requireProject(config)}.cloudfunctions.net`;
  const explicit: Record<QueueName, string | undefined> = {
    'deployment-poll': config.TASKS_POLL_URL,
    'webhook-delivery': config.TASKS_WEBHOOK_DELIVERY_URL,
    'deployment-settle': config.TASKS_SETTLE_URL,
    'job-poll': config.TASKS_JOB_POLL_URL,
    'cache-fill': config.TASKS_CACHE_FILL_URL,
  };
  return Object.fromEntries(
    QUEUES.map((q) => {
      const url = explicit[q] ?? `${base.replace(/\/$/, '')}/${QUEUE_TARGET_FUNCTION[q]}`;
      return [
        q,
        {
          url,
          audience: config.TASKS_OIDC_AUDIENCE ?? url,
          dispatchDeadlineS: dispatchDeadlineS(q),
        },
      ];
    }),
  ) as Record<QueueName, TaskTarget>;
}

export interface GcpOptions {
  log?: Logger;
  clock?: Clock;
  clients?: GcpClients;
  overrides?: OutboundOverrides;
}

/**
 * The production composition root: Firestore store/secrets/idempotency, Pub/Sub bus, Cloud Tasks
 * queue, real HTTP clients. The entry points build this once per cold start.
 */
export function buildGcpDeps(config: Config, options: GcpOptions = {}) {
  const log = options.log ?? createJsonLogger(config.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  const clients = options.clients ?? createGcpClients(config);
  const store = createFirestoreDeploymentStore(clients.firestore, log);
  const box = createSecretBox(config.secrets.secretsKey);
  const deps: Deps = {
    config,
    store,
    jobs: createFirestoreJobStore(clients.firestore),
    secrets: createFirestoreSecretStore(clients.firestore, box),
    idempotency: sealIdempotencyStore(
      createFirestoreIdempotencyStore(clients.firestore, clock),
      box,
    ),
    bus: createPubSubBus(clients.pubsub, clock),
    tasks: createCloudTasksQueue(clients.tasks, {
      projectId: clients.projectId,
      location: config.GCP_REGION,
      targets: taskTargets(config),
      invokerServiceAccount: invokerServiceAccount(config),
      clock,
    }),
    clock,
    log,
    ...outboundDeps(config, clock, log, options.overrides),
  };
  return { deps, scanner: store, clients, close: () => clients.close() };
}

export type GcpSystem = ReturnType<typeof buildGcpDeps>;
