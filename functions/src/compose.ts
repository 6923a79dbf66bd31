import { createCacheFill } from './steps/cache-fill/cache-fill';
import type { Config } from './config';
import { outboundDeps, type OutboundOverrides } from './compose-outbound';
import { createSecretBox } from './adapters/crypto/secret-box';
import { sealIdempotencyStore } from './adapters/crypto/sealed-idempotency-store';
import { createEmbeddedBus } from './adapters/embedded/bus';
import { createEmbeddedDocumentStore } from './adapters/embedded/document-store';
import { createEmbeddedJobStore } from './adapters/embedded/job-store';
import { createEmbeddedIdempotencyStore } from './adapters/embedded/idempotency-store';
import { createEmbeddedSecretStore } from './adapters/embedded/secret-store';
import { createEmbeddedTaskQueue, type TaskHandler } from './adapters/embedded/task-queue';
import { TimerGroup, realTimers, type Timers } from './adapters/embedded/timers';
import { createJsonLogger } from './adapters/log/json-logger';
import type { StepHandler } from './steps/define-step';
import { createDeliverWebhook } from './steps/deliver-webhook/deliver-webhook';
import { createDeliverJobWebhook } from './steps/deliver-webhook/deliver-job-webhook';
import { createPollJob } from './steps/poll-job/poll-job';
import type { Deps } from './deps';
import { createPoll } from './steps/poll/poll';
import { createProvision } from './steps/provision/provision';
import { createReaper } from './steps/reaper/reaper';
import { createSelectGpu } from './steps/select-gpu/select-gpu';
import { createSettle } from './steps/settle/settle';
import { createTeardown } from './steps/teardown/teardown';
import { createValidate } from './steps/validate/validate';
import { QUEUES, TOPICS, type Clock, type Logger, type QueueName, type Topic } from './ports';

export const systemClock: Clock = { now: () => new Date() };

export interface EmbeddedOptions {
  log?: Logger;
  clock?: Clock;
  timers?: Timers;
  /** Random extra delay on every bus and queue delivery (chaos: out-of-order delivery). */
  jitterMs?: number;
  /** Random source for backoff and jitter (seeded in chaos runs). */
  random?: () => number;
  /** Overrides for tests: e.g. a webhook sender that records. */
  overrides?: OutboundOverrides;
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
  const queueOpts = {
    log,
    timers: options.timers,
    duplicateDelivery,
    jitterMs: options.jitterMs,
    random: options.random,
  };
  const bus = createEmbeddedBus({ ...queueOpts, maxDeliveryAttempts: config.STEP_MAX_ATTEMPTS });
  const tasks = createEmbeddedTaskQueue(queueOpts);
  const store = createEmbeddedDocumentStore();
  const box = createSecretBox(config.secrets.secretsKey);
  const secrets = createEmbeddedSecretStore(box);
  const idempotencyAtRest = createEmbeddedIdempotencyStore(clock);
  const deps: Deps = {
    config,
    store,
    jobs: createEmbeddedJobStore(),
    secrets,
    idempotency: sealIdempotencyStore(idempotencyAtRest, box),
    bus,
    tasks,
    clock,
    log,
    ...outboundDeps(config, clock, log, options.overrides),
  };

  // The same table the Cloud Functions entry points register, so local mode runs exactly their wiring.
  const steps = createStepHandlers(deps);
  for (const topic of TOPICS) bus.subscribe(topic, steps.topics[topic]);
  for (const queue of QUEUES) tasks.register(queue, steps.queues[queue]);

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
    /** The idempotency records as they lie at rest (bodies sealed), for tests. */
    idempotencyAtRest,
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

/**
 * Every step's handler by the topic or queue that triggers it: the table the Cloud Functions entry
 * points (functions/src/entry/register.ts) and the embedded system wire, keyed by the closed sets in
 * ports.ts so a new topic or queue does not compile until it has a handler.
 */
export function createStepHandlers(deps: Deps): {
  topics: Record<Topic, StepHandler>;
  queues: Record<QueueName, TaskHandler>;
} {
  const deliverDeploymentWebhook = createDeliverWebhook(deps);
  const deliverJobWebhook = createDeliverJobWebhook(deps);
  return {
    topics: {
      'deployment-validate': createValidate(deps),
      'deployment-select-gpu': createSelectGpu(deps),
      'deployment-provision': createProvision(deps),
      'deployment-teardown': createTeardown(deps),
    },
    queues: {
      'deployment-poll': createPoll(deps),
      'webhook-delivery': (payload) =>
        typeof payload.job_id === 'string'
          ? deliverJobWebhook(payload)
          : deliverDeploymentWebhook(payload),
      'deployment-settle': createSettle(deps),
      'job-poll': createPollJob(deps),
      'cache-fill': createCacheFill(deps),
    },
  };
}

export { buildGcpDeps, createGcpClients, type GcpSystem } from './compose-gcp';
