import type { Config } from '../config';
import { systemClock } from '../adapters/clock/system-clock';
import { createSecretBox } from '../adapters/crypto/secret-box';
import { sealIdempotencyStore } from '../adapters/crypto/sealed-idempotency-store';
import { createEmbeddedBus } from '../adapters/embedded/bus';
import { createEmbeddedDocumentStore } from '../adapters/embedded/document-store';
import { createEmbeddedJobStore } from '../adapters/embedded/job-store';
import { createEmbeddedIdempotencyStore } from '../adapters/embedded/idempotency-store';
import { createEmbeddedSecretStore } from '../adapters/embedded/secret-store';
import { createEmbeddedTaskQueue, type PendingTask } from '../adapters/embedded/task-queue';
import type { IdempotencyRow } from '../adapters/embedded/idempotency-store';
import { openLocalDatabase, sqliteTable } from '../adapters/sqlite/local-database';
import { TimerGroup, realTimers, type Timers } from '../adapters/embedded/timers';
import { createJsonLogger } from '../adapters/log/json-logger';
import type { Deployment, Job } from '@visgate/shared';
import { QUEUES, TOPICS, type Clock, type Logger } from '../ports';
import { outboundDeps } from './outbound';
import { createReaperCycle } from './reaper-cycle';
import { createStepHandlers } from './step-table';
import type { WiredDeps, WiringOptions } from './wired-deps';

export interface EmbeddedOptions extends WiringOptions {
  timers?: Timers;
  /** Random extra delay on every bus and queue delivery (chaos: out-of-order delivery). */
  jitterMs?: number;
  /** Random source for backoff and jitter (seeded in chaos runs). */
  random?: () => number;
}

/**
 * Where the embedded stores keep their rows: memory, or the LOCAL_STATE_PATH database file (a
 * restart then keeps every deployment, job, sealed secret, idempotency record and scheduled task).
 */
function embeddedTables(config: Config) {
  const path = config.LOCAL_STATE_PATH;
  if (!path) return { close: () => undefined };
  const db = openLocalDatabase(path);
  return {
    deployments: sqliteTable<Deployment>(db, 'deployments'),
    jobs: sqliteTable<Job>(db, 'jobs'),
    secrets: sqliteTable<string>(db, 'deployment_secrets'),
    idempotency: sqliteTable<IdempotencyRow>(db, 'idempotency'),
    tasks: {
      pending: sqliteTable<PendingTask>(db, 'pending_tasks'),
      names: sqliteTable<number>(db, 'task_names'),
    },
    close: () => {
      if (db.isOpen) db.close();
    },
  };
}

/**
 * The embedded stand-ins for Firestore, Secret Manager, Pub/Sub and Cloud Tasks: what
 * `createGcpClients` is to GCP mode. The embedded system keeps them to subscribe steps and to let
 * tests look inside (the store's listener, idempotency records as they lie at rest).
 */
export function createEmbeddedAdapters(
  config: Config,
  options: EmbeddedOptions & { log: Logger; clock: Clock },
) {
  const tables = embeddedTables(config);
  const queueOpts = {
    log: options.log,
    timers: options.timers,
    duplicateDelivery: config.BUS_DUPLICATE_DELIVERY,
    jitterMs: options.jitterMs,
    random: options.random,
  };
  const box = createSecretBox(config.secrets.secretsKey);
  const idempotencyAtRest = createEmbeddedIdempotencyStore(options.clock, tables.idempotency);
  return {
    store: createEmbeddedDocumentStore(tables.deployments),
    jobs: createEmbeddedJobStore(tables.jobs),
    secrets: createEmbeddedSecretStore(box, tables.secrets),
    idempotencyAtRest,
    idempotency: sealIdempotencyStore(idempotencyAtRest, box),
    bus: createEmbeddedBus({ ...queueOpts, maxDeliveryAttempts: config.STEP_MAX_ATTEMPTS }),
    tasks: createEmbeddedTaskQueue({ ...queueOpts, persist: tables.tasks }),
    /** Closes the database file, if any (after the bus and queue are closed). */
    closeState: tables.close,
  };
}

export type EmbeddedAdapters = ReturnType<typeof createEmbeddedAdapters>;

/** Local mode's deps, the same shape as `buildGcpDeps`'s: embedded adapters plus real HTTP clients. */
export function buildEmbeddedDeps(
  config: Config,
  options: EmbeddedOptions & { adapters?: EmbeddedAdapters } = {},
): WiredDeps {
  const log = options.log ?? createJsonLogger(config.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  const a = options.adapters ?? createEmbeddedAdapters(config, { ...options, log, clock });
  return {
    deps: {
      config,
      store: a.store,
      jobs: a.jobs,
      secrets: a.secrets,
      idempotency: a.idempotency,
      bus: a.bus,
      tasks: a.tasks,
      clock,
      log,
      ...outboundDeps(config, clock, log, options.overrides),
    },
    scanner: a.store,
    close: () => {
      a.bus.close();
      a.tasks.close();
      a.closeState();
      return Promise.resolve();
    },
  };
}

/**
 * The local system: embedded deps with every step subscribed to its topic or queue (the same
 * table the Cloud Functions entry points register, so local mode runs exactly their wiring) and
 * the reaper cycle on a timer.
 */
export function buildEmbeddedSystem(config: Config, options: EmbeddedOptions = {}) {
  const log = options.log ?? createJsonLogger(config.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  const adapters = createEmbeddedAdapters(config, { ...options, log, clock });
  const wired = buildEmbeddedDeps(config, { ...options, log, clock, adapters });
  const { store, secrets, idempotencyAtRest, bus, tasks } = adapters;

  const steps = createStepHandlers(wired.deps);
  for (const topic of TOPICS) bus.subscribe(topic, steps.topics[topic]);
  for (const queue of QUEUES) tasks.register(queue, steps.queues[queue]);
  // Work a previous process scheduled (a poll, a webhook retry, a settle) runs now or when due.
  const resumedTasks = tasks.resume();
  if (resumedTasks > 0) log.info('resumed scheduled tasks', { tasks: resumedTasks });

  const reap = createReaperCycle(wired);
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
    deps: wired.deps,
    store,
    secrets,
    /** The idempotency records as they lie at rest (bodies sealed), for tests. */
    idempotencyAtRest,
    bus,
    tasks,
    /** Tasks a previous process left pending and this one scheduled again (LOCAL_STATE_PATH). */
    resumedTasks,
    /** Runs one reaper cycle now (tests, chaos); `startReaper` schedules them every REAPER_INTERVAL_S. */
    reap,
    startReaper: scheduleReaper,
    /** Stops every pending delivery and timer. */
    close(): void {
      void wired.close();
      reaperTimers.close();
    },
  };
}

export type EmbeddedSystem = ReturnType<typeof buildEmbeddedSystem>;
