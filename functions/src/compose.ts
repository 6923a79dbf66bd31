import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import type { Config } from './config';
import { createSecretBox } from './adapters/crypto/secret-box';
import { createEmbeddedBus } from './adapters/embedded/bus';
import { createEmbeddedDocumentStore } from './adapters/embedded/document-store';
import { createEmbeddedIdempotencyStore } from './adapters/embedded/idempotency-store';
import { createEmbeddedSecretStore } from './adapters/embedded/secret-store';
import { createEmbeddedTaskQueue } from './adapters/embedded/task-queue';
import { TimerGroup, realTimers, type Timers } from './adapters/embedded/timers';
import { createHubClient } from './adapters/hf/hub-client';
import { createJsonLogger } from './adapters/log/json-logger';
import { createRunPodClient } from './adapters/runpod/runpod-client';
import { createHttpWebhookSender } from './adapters/webhook/http-webhook-sender';
import { createDeliverWebhook } from './handlers/deliver-webhook';
import type { Deps } from './handlers/deps';
import { createGpuCatalogSource } from './handlers/gpu-catalog-source';
import { createPoll } from './handlers/poll';
import { createProvision } from './handlers/provision';
import { createReaper } from './handlers/reaper';
import { createSelectGpu } from './handlers/select-gpu';
import { createSettle } from './handlers/settle';
import { createTeardown } from './handlers/teardown';
import { createValidate } from './handlers/validate';
import type { Clock, Logger } from './ports';

export const systemClock: Clock = { now: () => new Date() };

export interface EmbeddedOptions {
  log?: Logger;
  clock?: Clock;
  timers?: Timers;
  /** Overrides for tests: e.g. a webhook sender that records. */
  overrides?: Partial<Pick<Deps, 'runpod' | 'hub' | 'webhooks'>>;
}

/**
 * The one place that builds the local system: embedded store, secrets, idempotency, bus and task
 * queue, real HTTP clients for RunPod, the Hub and webhooks, and every step subscribed to its topic
 * or queue — the same handlers the Cloud Functions entry points run.
 */
export function buildEmbeddedSystem(config: Config, options: EmbeddedOptions = {}) {
  const log = options.log ?? createJsonLogger(config.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  const duplicateDelivery = config.BUS_DUPLICATE_DELIVERY;
  const bus = createEmbeddedBus({ log, timers: options.timers, duplicateDelivery });
  const tasks = createEmbeddedTaskQueue({ log, timers: options.timers, duplicateDelivery });
  const runpod =
    options.overrides?.runpod ??
    createRunPodClient({
      apiBaseUrl: config.RUNPOD_API_URL,
      endpointBaseUrl: config.RUNPOD_ENDPOINT_URL,
      timeoutMs: config.HTTP_TIMEOUT_MS,
    });
  const store = createEmbeddedDocumentStore();
  const secrets = createEmbeddedSecretStore(createSecretBox(config.secrets.secretsKey));
  const deps: Deps = {
    config,
    store,
    secrets,
    idempotency: createEmbeddedIdempotencyStore(clock),
    bus,
    tasks,
    clock,
    log,
    random: (n) => new Uint8Array(randomBytes(n)),
    runpod,
    hub:
      options.overrides?.hub ??
      createHubClient({ hubUrl: config.HF_HUB_URL, timeoutMs: config.HTTP_TIMEOUT_MS }),
    webhooks:
      options.overrides?.webhooks ??
      createHttpWebhookSender({ allowPrivateHosts: config.WEBHOOK_ALLOW_PRIVATE_HOSTS }),
    resolveHost: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    catalog: createGpuCatalogSource({ runpod, clock, log, ttlMs: config.CATALOG_TTL_S * 1000 }),
  };

  bus.subscribe('deployment-validate', createValidate(deps));
  bus.subscribe('deployment-select-gpu', createSelectGpu(deps));
  bus.subscribe('deployment-provision', createProvision(deps));
  bus.subscribe('deployment-teardown', createTeardown(deps));
  tasks.register('deployment-poll', createPoll(deps));
  tasks.register('webhook-delivery', createDeliverWebhook(deps));
  tasks.register('deployment-settle', createSettle(deps));

  const reap = createReaper({ ...deps, scanner: store });
  const reaperTimers = new TimerGroup(options.timers ?? realTimers);
  const scheduleReaper = (): void => {
    reaperTimers.schedule(() => {
      reap()
        .catch((e: unknown) => {
          log.error('reaper cycle failed', { error: e instanceof Error ? e.message : String(e) });
        })
        .finally(scheduleReaper);
    }, config.REAPER_INTERVAL_S * 1000);
  };

  return {
    deps,
    store,
    secrets,
    bus,
    tasks,
    /** Runs one reaper cycle now (tests, chaos); `startReaper` schedules them every REAPER_INTERVAL_S. */
    reap,
    startReaper: scheduleReaper,
    /** Stops every pending delivery and timer. */
    close(): void {
      bus.close();
      tasks.close();
      reaperTimers.close();
    },
  };
}

export type EmbeddedSystem = ReturnType<typeof buildEmbeddedSystem>;

export { buildGcpDeps, createGcpClients, type GcpSystem } from './compose-gcp';
