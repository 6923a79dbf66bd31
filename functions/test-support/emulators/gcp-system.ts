import { createServer, type RequestListener, type Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createMemoryLogger } from '../../src/adapters/log/json-logger';
import { buildGcpDeps, createGcpClients, type GcpClients } from '../../src/wiring/gcp';
import { taskTargets } from '../../src/wiring/task-targets';
import type { WiredDeps } from '../../src/wiring/wired-deps';
import { FUNCTIONS } from '../../src/entry/manifest';
import { registerFunctions } from '../../src/entry/register';
import {
  fakeRunPodKey,
  FAST_ENV,
  startHfSim,
  type HfSim,
  startRunPodSim,
  type RunPodSim,
  startWebhookReceiver,
  type WebhookReceiver,
} from '@visgate/sim';
import { QUEUES } from '../../src/ports';
import { pollUntil } from '../poll-until';
import { emulatorConfig } from './gcp-test-config';
import { provisionEmulatorResources } from './provision-resources';
import { createPushSubscription, type PushSubscription } from './push-subscription';

export interface GcpTestSystem {
  /** URL of the `api` function. */
  url: string;
  apiKey: string;
  runpod: RunPodSim;
  hub: HfSim;
  receiver: WebhookReceiver;
  /** The production wiring, and the Google clients it was built on. */
  gcp: WiredDeps & { clients: GcpClients };
  log: ReturnType<typeof createMemoryLogger>;
  close(): Promise<void>;
}

interface BoundServer {
  server: Server;
  url: string;
  /** Requests being handled now. */
  active: () => number;
}

async function bindLoopback(): Promise<BoundServer> {
  const server = createServer();
  let active = 0;
  server.on('request', (_req, res) => {
    active += 1;
    res.once('close', () => {
      active -= 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, url: `http://127.0.0.1:${address.port}`, active: () => active };
}

/**
 * The production wiring over real HTTP and gRPC: one functions-framework server per manifest
 * function, each on deps of its own as deployed (`gcp` is one more set, for the test's own reads) (the servers' ports are bound first so config can name the task targets and the public
 * URL), Firestore on Google's emulator, Pub/Sub on Google's emulator with a push subscription per
 * event function delivering to its functions-framework server, Cloud Tasks on our facade dispatching to the task targets, RunPod and the Hub simulated.
 * `opts.env` overrides config variables.
 */
export async function startGcpSystem(
  opts: { env?: Record<string, string> } = {},
): Promise<GcpTestSystem> {
  const [runpod, hub, receiver] = await Promise.all([
    startRunPodSim(),
    startHfSim(),
    startWebhookReceiver(),
  ]);
  const apiKey = fakeRunPodKey();
  runpod.addAccount(apiKey);
  const servers = new Map<string, BoundServer>();
  for (const spec of FUNCTIONS) servers.set(spec.name, await bindLoopback());
  const urlOf = (name: string): string => servers.get(name)!.url;

  const config = emulatorConfig({
    ...FAST_ENV,
    LOG_LEVEL: 'debug',
    RUNPOD_API_URL: runpod.url,
    RUNPOD_ENDPOINT_URL: runpod.url,
    HF_HUB_URL: hub.url,
    PUBLIC_BASE_URL: urlOf('api'),
    TASKS_POLL_URL: urlOf('poll'),
    TASKS_WEBHOOK_DELIVERY_URL: urlOf('deliverWebhook'),
    TASKS_SETTLE_URL: urlOf('settle'),
    TASKS_JOB_POLL_URL: urlOf('pollJob'),
    TASKS_INVOKER_SA: 'visgate-invoker@demo.iam.gserviceaccount.com',
    ...opts.env,
  });
  const clients = createGcpClients(config);
  await provisionEmulatorResources(clients, config.GCP_REGION);
  const log = createMemoryLogger('debug');
  const gcp = { ...buildGcpDeps(config, { log, clients }), clients };

  const pushes: PushSubscription[] = [];
  for (const spec of FUNCTIONS) {
    const { server, url } = servers.get(spec.name)!;
    // Deployed, each function is its own service with its own instances and so its own deps (what
    // an adapter remembers between calls stays in that function). Registering everything on fresh
    // deps and taking this function's handler at once keeps that true here; the clients (the
    // gRPC channels) are shared.
    registerFunctions(buildGcpDeps(config, { log, clients }));
    const handler = getTestServer(spec.name).listeners('request')[0] as RequestListener;
    server.on('request', handler);
    if (spec.trigger.kind === 'pubsub')
      pushes.push(
        await createPushSubscription({
          pubsub: clients.pubsub,
          projectId: clients.projectId,
          topic: spec.trigger.topic,
          url,
        }),
      );
  }
  // Task URLs must be what the queue adapter targets; a mismatch would strand every task.
  if (taskTargets(config)['deployment-poll'].url !== urlOf('poll')) throw new Error('targets');

  return {
    url: urlOf('api'),
    apiKey,
    runpod,
    hub,
    receiver,
    gcp,
    log,
    async close() {
      // Stop new work (Pub/Sub pushes, task dispatches), let running invocations finish, then
      // close the servers and the clients they use.
      await Promise.all(pushes.map((p) => p.close()));
      await Promise.all(
        QUEUES.map((q) =>
          clients.tasks.deleteQueue({
            name: clients.tasks.queuePath(clients.projectId, config.GCP_REGION, q),
          }),
        ),
      );
      await Promise.all([runpod.close(), hub.close(), receiver.close()]); // no more worker callbacks
      await pollUntil(() => [...servers.values()].every((s) => s.active() === 0), 10_000);
      await Promise.all(
        [...servers.values()].map(
          ({ server }) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => {
                resolve();
              });
            }),
        ),
      );
      // Work a function left running past its response (a listener callback, a late transaction
      // retry) must not meet a terminated Firestore client: jest fails a run that logs after its
      // tests are done. Give it a moment before the clients go.
      await new Promise((r) => setTimeout(r, 1_000));
      await gcp.close();
    },
  };
}
