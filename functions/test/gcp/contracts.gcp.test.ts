import * as ff from '@google-cloud/functions-framework';
import {
  createCloudTasksQueue,
  taskId,
  type TaskTarget,
} from '../../src/adapters/gcp/cloud-tasks-queue';
import { createFirestoreDeploymentStore } from '../../src/adapters/gcp/firestore-deployment-store';
import { createFirestoreIdempotencyStore } from '../../src/adapters/gcp/firestore-idempotency-store';
import { createFirestoreJobStore } from '../../src/adapters/gcp/firestore-job-store';
import {
  createFirestoreSecretStore,
  DEPLOYMENT_SECRETS,
} from '../../src/adapters/gcp/firestore-secret-store';
import { createPubSubBus } from '../../src/adapters/gcp/pubsub-bus';
import { createSecretBox } from '../../src/adapters/crypto/secret-box';
import { createMemoryLogger } from '../../src/adapters/log/json-logger';
import { createGcpClients, type GcpClients } from '../../src/wiring/gcp';
import { taskTargets } from '../../src/wiring/task-targets';
import { onPubSub } from '../../src/entry/on-pub-sub';
import { onTask } from '../../src/entry/on-task';
import { acceptAll } from '../../src/entry/task-auth';
import type { QueueName } from '../../src/ports';
import { busContract } from '../../test-support/contracts/bus.contract';
import { deploymentStoreContract } from '../../test-support/contracts/deployment-store.contract';
import { idempotencyStoreContract } from '../../test-support/contracts/idempotency-store.contract';
import { jobStoreContract } from '../../test-support/contracts/job-store.contract';
import { secretStoreContract } from '../../test-support/contracts/secret-store.contract';
import { taskQueueContract } from '../../test-support/contracts/task-queue.contract';
import { serveFunction, type FunctionServer } from '../../test-support/emulators/function-server';
import { emulatorConfig } from '../../test-support/emulators/gcp-test-config';
import { provisionEmulatorResources } from '../../test-support/emulators/provision-resources';
import {
  createPushSubscription,
  type PushSubscription,
} from '../../test-support/emulators/push-subscription';

// The port contracts against the GCP adapters, on Google's Firestore and Pub/Sub emulators and our
// Cloud Tasks facade, all started by jest's globalSetup.

jest.setTimeout(30_000);

const clock = { now: () => new Date() };
const opened: GcpClients[] = [];
const fresh = (): { clients: GcpClients; location: string } => {
  const config = emulatorConfig();
  const clients = createGcpClients(config);
  opened.push(clients);
  return { clients, location: config.GCP_REGION };
};
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  // Cancelled gRPC streams report their status a moment after close; let that happen while the
  // test environment still exists (gax lazily requires its error decoder then).
  await new Promise((resolve) => setTimeout(resolve, 200));
});

deploymentStoreContract('Firestore (emulator)', () =>
  createFirestoreDeploymentStore(fresh().clients.firestore),
);

jobStoreContract('Firestore (emulator)', () => createFirestoreJobStore(fresh().clients.firestore));

secretStoreContract('Firestore (emulator)', () => {
  const { firestore } = fresh().clients;
  const store = createFirestoreSecretStore(firestore, createSecretBox(Buffer.alloc(32, 7)));
  return Promise.resolve({
    store,
    sealed: async (id) => {
      const snap = await firestore.collection(DEPLOYMENT_SECRETS).doc(id).get();
      const data = snap.data() as { sealed: string } | undefined;
      // The whole document must be the sealed blob and nothing else.
      if (data) expect(Object.keys(data)).toEqual(['sealed']);
      return data?.sealed ?? null;
    },
  });
});

idempotencyStoreContract('Firestore (emulator)', (c) =>
  createFirestoreIdempotencyStore(fresh().clients.firestore, c),
);

let functionSeq = 0;
const log = createMemoryLogger();

busContract('Pub/Sub (emulator push subscription + functions-framework)', async () => {
  const { clients } = fresh();
  await provisionEmulatorResources(clients, 'us-central1');
  const servers: FunctionServer[] = [];
  const pushes: PushSubscription[] = [];
  return {
    bus: createPubSubBus(clients.pubsub, clock),
    async subscribe(topic, handler) {
      const name = `busContract${(functionSeq += 1)}`;
      ff.cloudEvent(name, onPubSub(handler, log));
      const server = await serveFunction(name);
      servers.push(server);
      pushes.push(
        await createPushSubscription({
          pubsub: clients.pubsub,
          projectId: clients.projectId,
          topic,
          url: server.url,
        }),
      );
    },
    async close() {
      await Promise.all(pushes.map((p) => p.close()));
      await Promise.all(servers.map((s) => s.close()));
    },
  };
});

taskQueueContract('Cloud Tasks (emulator facade + functions-framework target)', async () => {
  const { clients, location } = fresh();
  await provisionEmulatorResources(clients, location);
  const unrouted: TaskTarget = { url: 'http://127.0.0.1:9/', audience: 'unrouted' };
  const targets: Record<QueueName, TaskTarget> = {
    'deployment-poll': unrouted,
    'webhook-delivery': unrouted,
    'deployment-settle': unrouted,
    'job-poll': unrouted,
    'cache-fill': unrouted,
  };
  const servers: FunctionServer[] = [];
  return {
    queue: createCloudTasksQueue(clients.tasks, {
      projectId: clients.projectId,
      location,
      targets,
      invokerServiceAccount: 'visgate-invoker@demo.iam.gserviceaccount.com',
      clock,
    }),
    async register(queue, handler) {
      const name = `taskContract${(functionSeq += 1)}`;
      ff.http(name, onTask(handler, acceptAll, log));
      const server = await serveFunction(name);
      servers.push(server);
      targets[queue] = { url: server.url, audience: server.url };
    },
    async close() {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
});

describe('Cloud Tasks dispatch deadlines', () => {
  it("sets each task's dispatch deadline to its target function's timeout (30 min for a cache fill)", async () => {
    const { clients, location } = fresh();
    await provisionEmulatorResources(clients, location);
    const config = { ...emulatorConfig(), FUNCTIONS_BASE_URL: 'http://127.0.0.1:9' };
    const targets = taskTargets(config);
    expect(targets['cache-fill'].dispatchDeadlineS).toBe(1800);
    expect(targets['deployment-poll'].dispatchDeadlineS).toBe(60);
    const queue = createCloudTasksQueue(clients.tasks, {
      projectId: clients.projectId,
      location,
      targets,
      invokerServiceAccount: null,
      clock,
    });
    const name = `fill-deadline-${Date.now()}`;
    // Scheduled an hour ahead, so it sits in the queue where GetTask can read it.
    await queue.enqueue({ queue: 'cache-fill', name, payload: {}, delayMs: 3_600_000 });
    const parent = clients.tasks.queuePath(clients.projectId, location, 'cache-fill');
    const [task] = await clients.tasks.getTask({ name: `${parent}/tasks/${taskId(name)}` });
    expect(Number(task.dispatchDeadline?.seconds)).toBe(1800);
    await clients.tasks.deleteTask({ name: task.name! });
  });
});
