import type { Logger, QueueName, TaskHandler, TaskQueue, TaskSpec } from '../../ports';
import { TimerGroup, backoffMs, realTimers, type Timers } from './timers';

export interface EmbeddedTaskQueueOptions {
  log: Logger;
  timers?: Timers;
  /** Deliver every task twice (Cloud Tasks is at-least-once). */
  duplicateDelivery?: boolean;
  retryMinMs?: number;
  /** Random extra delay (0..jitterMs) on every delivery, so messages overtake each other. */
  jitterMs?: number;
  retryMaxMs?: number;
  random?: () => number;
}

/**
 * Cloud Tasks semantics in one process: a task runs after its delay; a named task is created at
 * most once (later enqueues with the same name are dropped, as ALREADY_EXISTS is); a handler that
 * throws is retried with exponential backoff.
 */
export function createEmbeddedTaskQueue(options: EmbeddedTaskQueueOptions) {
  const handlers = new Map<QueueName, TaskHandler>();
  const names = new Set<string>();
  const timers = new TimerGroup(options.timers ?? realTimers);
  const random = options.random ?? Math.random;
  const jitter = (): number => (options.jitterMs ? Math.round(random() * options.jitterMs) : 0);
  const minMs = options.retryMinMs ?? 100;
  const maxMs = options.retryMaxMs ?? 60_000;
  let inFlight = 0;

  function dispatch(task: TaskSpec, retryCount: number, delayMs: number): void {
    timers.schedule(() => {
      const handler = handlers.get(task.queue);
      if (!handler) return;
      inFlight += 1;
      handler(structuredClone(task.payload), { name: task.name ?? null, retryCount })
        .catch((e: unknown) => {
          const wait = backoffMs(retryCount + 1, minMs, maxMs, random);
          options.log.warn('task failed; retrying', {
            queue: task.queue,
            task: task.name ?? null,
            retry_count: retryCount,
            retry_in_ms: wait,
            error: e instanceof Error ? e.message : String(e),
          });
          dispatch(task, retryCount + 1, wait);
        })
        .finally(() => {
          inFlight -= 1;
        });
    }, delayMs + jitter());
  }

  const queue: TaskQueue & {
    register(queue: QueueName, handler: TaskHandler): void;
    isIdle(): boolean;
    close(): void;
  } = {
    enqueue(task) {
      if (task.name !== undefined) {
        const key = `${task.queue}/${task.name}`;
        if (names.has(key)) return Promise.resolve();
        names.add(key);
      }
      dispatch(task, 0, task.delayMs ?? 0);
      if (options.duplicateDelivery) dispatch(task, 0, (task.delayMs ?? 0) + 1);
      return Promise.resolve();
    },
    register(name, handler) {
      handlers.set(name, handler);
    },
    isIdle: () => inFlight === 0 && timers.pending === 0,
    close: () => {
      timers.close();
    },
  };
  return queue;
}

export type EmbeddedTaskQueue = ReturnType<typeof createEmbeddedTaskQueue>;
