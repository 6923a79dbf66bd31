import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { CloudTasksClient } from '@google-cloud/tasks';
import { credentials } from '@grpc/grpc-js';
import type { Config } from '../config';
import { systemClock } from '../adapters/clock/system-clock';
import { createSecretBox } from '../adapters/crypto/secret-box';
import { sealIdempotencyStore } from '../adapters/crypto/sealed-idempotency-store';
import { createCloudTasksQueue } from '../adapters/gcp/cloud-tasks-queue';
import { createFirestoreDeploymentStore } from '../adapters/gcp/firestore-deployment-store';
import { createFirestoreJobStore } from '../adapters/gcp/firestore-job-store';
import { createFirestoreIdempotencyStore } from '../adapters/gcp/firestore-idempotency-store';
import { createFirestoreSecretStore } from '../adapters/gcp/firestore-secret-store';
import { createPubSubBus } from '../adapters/gcp/pubsub-bus';
import { createJsonLogger } from '../adapters/log/json-logger';
import { outboundDeps } from './outbound';
import { invokerServiceAccount, requireProject, taskTargets } from './task-targets';
import type { WiredDeps, WiringOptions } from './wired-deps';

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

export interface GcpOptions extends WiringOptions {
  clients?: GcpClients;
}

/**
 * The production composition root: Firestore store/secrets/idempotency, Pub/Sub bus, Cloud Tasks
 * queue, real HTTP clients; the same shape as `buildEmbeddedDeps`'s. The entry points build this
 * once per cold start.
 */
export function buildGcpDeps(config: Config, options: GcpOptions = {}): WiredDeps {
  const log = options.log ?? createJsonLogger(config.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  const clients = options.clients ?? createGcpClients(config);
  const store = createFirestoreDeploymentStore(clients.firestore, log);
  const box = createSecretBox(config.secrets.secretsKey);
  const deps = {
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
  return { deps, scanner: store, close: () => clients.close() };
}
