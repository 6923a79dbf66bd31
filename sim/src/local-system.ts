import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { SETTLED_STATUSES, type Deployment, type DeploymentStatus } from '@visgate/shared';
import {
  buildEmbeddedSystem,
  createMemoryLogger,
  bindServer,
  loadConfig,
  type Clock,
  type Config,
  type EmbeddedOptions,
  type EmbeddedSystem,
  type Logger,
} from '@visgate/functions';
import { startHfSim, type HfSim, type HfSimOptions } from './hf-sim';
import { startRunPodSim, type RunPodSim, type RunPodSimOptions } from './runpod-sim';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';
import { waitUntil } from './wait-until';

/** An obviously fake RunPod key, different every run. */
export const fakeRunPodKey = (): string =>
  `rpa_TEST${randomBytes(12).toString('hex').toUpperCase()}`;

/** Fast settings for tests: short polls and webhook retries, everything else as in production. */
export const FAST_ENV: Record<string, string> = {
  POLL_INTERVAL_MS: '15',
  POLL_MAX_INTERVAL_MS: '40',
  WEBHOOK_RETRY_SCHEDULE_S: '0,0.03,0.06,0.1,0.15',
  THROTTLE_GRACE_S: '0.15',
  READY_PROBE_AFTER_S: '30',
  LOAD_TIMEOUT_S: '20',
  LOG_LEVEL: 'debug',
  WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true',
};

export interface LocalSystem {
  url: string;
  apiKey: string;
  runpod: RunPodSim;
  hub: HfSim;
  receiver: WebhookReceiver;
  system: EmbeddedSystem;
  log: Logger & { lines: string[] };
  /** Resolves with the document once its status is one of `statuses` (via the store's listener). */
  waitForStatus(id: string, statuses: DeploymentStatus[], timeoutMs?: number): Promise<Deployment>;
  /** Resolves when `predicate` holds for the document. */
  waitForDoc(
    id: string,
    predicate: (d: Deployment) => boolean,
    timeoutMs?: number,
    what?: string,
  ): Promise<Deployment>;
  /** Resolves once no bus message or task is pending or running (everything in flight has finished). */
  quiesce(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The whole system in this process, served over real HTTP on loopback, against the RunPod and Hub
 * simulators and a webhook receiver: what the end-to-end tests, the demo and the benchmark drive.
 */
export async function startLocalSystem(
  opts: {
    env?: Record<string, string>;
    runpod?: Partial<RunPodSimOptions>;
    hub?: HfSimOptions;
    log?: Logger & { lines: string[] };
    clock?: Clock;
    /** Extra options for the embedded system (timers, jitter, seeded random, wrapped adapters). */
    system?: (ctx: { config: Config }) => Omit<EmbeddedOptions, 'log' | 'clock'>;
  } = {},
): Promise<LocalSystem> {
  const runpod = await startRunPodSim(opts.runpod);
  const hub = await startHfSim(opts.hub);
  const receiver = await startWebhookReceiver();
  const apiKey = fakeRunPodKey();
  runpod.addAccount(apiKey);
  const log = opts.log ?? createMemoryLogger('debug');
  const bound = await bindServer('127.0.0.1', 0);
  const config = loadConfig({
    ...FAST_ENV,
    RUNPOD_API_URL: runpod.url,
    RUNPOD_ENDPOINT_URL: runpod.url,
    HF_HUB_URL: hub.url,
    PORT: '0',
    ...opts.env,
    PUBLIC_BASE_URL: bound.url,
  });
  const system = buildEmbeddedSystem(config, {
    ...opts.system?.({ config }),
    log,
    clock: opts.clock,
  });
  bound.serve(system);
  const { server, url } = bound;

  const waitForDoc = (
    id: string,
    predicate: (d: Deployment) => boolean,
    timeoutMs = 10_000,
    what = 'condition',
  ): Promise<Deployment> =>
    new Promise((resolve, reject) => {
      let last: Deployment | null = null;
      const timer = setTimeout(() => {
        stop();
        reject(
          new Error(
            `deployment ${id}: ${what} not reached within ${timeoutMs} ms; last status ${last?.status ?? 'none'} ${JSON.stringify(last?.error ?? null)}`,
          ),
        );
      }, timeoutMs);
      const stop = system.store.watch(id, (d) => {
        last = d;
        if (predicate(d)) {
          clearTimeout(timer);
          stop();
          resolve(d);
        }
      });
    });

  return {
    url,
    apiKey,
    runpod,
    hub,
    receiver,
    system,
    log,
    waitForDoc,
    quiesce: (timeoutMs = 10_000) =>
      waitUntil(() => system.bus.isIdle() && system.tasks.isIdle(), timeoutMs),
    waitForStatus: (id, statuses, timeoutMs) =>
      waitForDoc(id, (d) => statuses.includes(d.status), timeoutMs, `status ${statuses.join('|')}`),
    async close() {
      system.close();
      await closeServer(server);
      await Promise.all([runpod.close(), hub.close(), receiver.close()]);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => {
      resolve();
    });
  });
}

export { SETTLED_STATUSES };

/** A clock that runs with real time plus an offset the test moves forward. */
export function createOffsetClock(): Clock & { advance(seconds: number): void } {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(seconds) {
      offsetMs += seconds * 1000;
    },
  };
}
