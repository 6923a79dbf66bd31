import { seededRandom } from '../seeded-random';
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  EndpointRecord,
  JobRecord,
  RunPodSimOptions,
  TemplateRecord,
  WorkerRecord,
} from './sim-types';
import type { RealProcess } from './real-worker';
import type { TimerScope } from './timer-scope';

/** The simulator's mutable state, shared by the HTTP routes and the worker fleet. */
export interface SimWorld {
  options: RunPodSimOptions;
  accounts: Map<string, AccountState>;
  /** Root timer scope; cleared by `sim.close()`. */
  scope: TimerScope;
  /** Base URL of the simulator (both planes). */
  url: string;
  /** Signals every observer (`sim.waitFor`, runsync waiters) that something changed. */
  changed(): void;
  /** Calls `listener` after every change until the returned function is called. */
  subscribe(listener: () => void): () => void;
  /** Real worker processes still running (`realWorker`); `sim.close()` waits for them to exit. */
  realProcesses: Set<RealProcess>;
}

export interface AccountState {
  apiKey: string;
  templates: Map<string, TemplateRecord>;
  endpoints: Map<string, EndpointState>;
}

export interface EndpointState {
  rec: EndpointRecord;
  account: AccountState;
  workers: Map<string, WorkerState>;
  jobs: Map<string, JobRecord>;
  /** Ids of IN_QUEUE jobs, oldest first. */
  queue: string[];
  scope: TimerScope;
  /** The pending idle scale-down check, if any. */
  idleCheck: TimerScope | null;
  deleted: boolean;
}

export interface WorkerState {
  rec: WorkerRecord;
  scope: TimerScope;
  /** Timer of the job the worker is RUNNING, if any. */
  jobScope: TimerScope | null;
  /** Aborts the worker's in-flight callbacks when it is removed. */
  abort: AbortController;
  /** Serialises the worker's callbacks so they arrive in order. */
  chain: Promise<void>;
  removed: boolean;
  /** The real worker's process (`realWorker`), else null. */
  proc: RealProcess | null;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A random lowercase alphanumeric id like RunPod's (`length` characters). */
export function randomId(length: number): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const b of bytes) id += ALNUM.charAt(b % ALNUM.length);
  return id;
}

/** A job id shaped like RunPod's (`<uuid>-u1`). */
export function randomJobId(): string {
  return `${randomUUID()}-u1`;
}

/** A live endpoint of `account` around its record: no workers or jobs yet, its own timer scope. */
export function newEndpointState(
  world: SimWorld,
  account: AccountState,
  rec: EndpointRecord,
): EndpointState {
  return {
    rec,
    account,
    workers: new Map(),
    jobs: new Map(),
    queue: [],
    scope: world.scope.child(),
    idleCheck: null,
    deleted: false,
  };
}

/** Env a worker of this endpoint sees: the endpoint's own (a template was merged in at creation). */
export function workerEnv(endpoint: EndpointState): Record<string, string> {
  return { ...endpoint.rec.env };
}

/** The simulator's seeded PRNG (one implementation for every simulator and the chaos run). */
export const createPrng = seededRandom;
