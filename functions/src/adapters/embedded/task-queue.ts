import type { QueueName, TaskHandler, TaskQueue, TaskSpec } from '../../ports';
import { randomUUID } from 'node:crypto';
import type { Table } from './table';
import { TimerGroup, backoffMs, realTimers, type DeliveryOptions } from './timers';

/** A task waiting to run (or to be retried), as a persistent queue keeps it across restarts. */
export interface PendingTask {
  task: TaskSpec;
  retryCount: number;
  dueAtMs: number;
}

export interface EmbeddedTaskQueueOptions extends DeliveryOptions {
  /**
   * Keeps every pending task and every task name taken, so a restart loses no scheduled work
   * (`resume()` runs what was pending, a name stays taken). Memory only when absent.
   */
  persist?: { pending: Table<PendingTask>; names: Table<number>; now?: () => number };
}

/**
 * Cloud Tasks semantics in one process: a task runs after its delay; a named task is created at
 * most once (later enqueues with the same name are dropped, as ALREADY_EXISTS is); a handler that
 * throws is retried with exponential backoff.
 */
export function createEmbeddedTaskQueue(options: EmbeddedTaskQueueOptions) {
  const handlers = new Map<QueueName, TaskHandler>();
  const names = new Set<string>();
  const persist = options.persist;
  const nowMs = persist?.now ?? Date.now;
  const timers = new TimerGroup(options.timers ?? realTimers);
  const random = options.random ?? Math.random;
  const jitter = (): number => (options.jitterMs ? Math.round(random() * options.jitterMs) : 0);
  const minMs = options.retryMinMs ?? 100;
  const maxMs = options.retryMaxMs ?? 60_000;
  let inFlight = 0;

  function dispatch(task: TaskSpec, retryCount: number, delayMs: number, pendingId?: string): void {
    const wait = delayMs + jitter();
    const rowId = pendingId ?? (persist ? randomUUID() : '');
    persist?.pending.set(rowId, { task, retryCount, dueAtMs: nowMs() + wait });
    timers.schedule(() => {
      const handler = handlers.get(task.queue);
      if (!handler) return;
      inFlight += 1;
      handler(structuredClone(task.payload), { name: task.name ?? null, retryCount })
        .then(() => {
          persist?.pending.delete(rowId);
        })
        .catch((e: unknown) => {
          const retryInMs = backoffMs(retryCount + 1, minMs, maxMs, random);
          options.log.warn('task failed; retrying', {
            queue: task.queue,
            task: task.name ?? null,
            retry_count: retryCount,
            retry_in_ms: retryInMs,
            error: e instanceof Error ? e.message : String(e),
          });
          dispatch(task, retryCount + 1, retryInMs, rowId);
        })
        .finally(() => {
          inFlight -= 1;
        });
    }, wait);
  }

  const queue: TaskQueue & {
    register(queue: QueueName, handler: TaskHandler): void;
    isIdle(): boolean;
    /** Schedules again every task a previous process left pending (call after `register`). */
    resume(): number;
    close(): void;
  } = {
    enqueue(task) {
      if (task.name !== undefined) {
        const key = `${task.queue}/${task.name}`;
        if (names.has(key) || persist?.names.get(key) !== undefined) return Promise.resolve();
        names.add(key);
        persist?.names.set(key, nowMs());
      }
      dispatch(task, 0, task.delayMs ?? 0);
      if (options.duplicateDelivery) dispatch(task, 0, (task.delayMs ?? 0) + 1);
      return Promise.resolve();
    },
    register(name, handler) {
      handlers.set(name, handler);
    },
    isIdle: () => inFlight === 0 && timers.pending === 0,
    resume() {
      const rows = persist?.pending.entries() ?? [];
      for (const [rowId, row] of rows) {
        dispatch(row.task, row.retryCount, Math.max(0, row.dueAtMs - nowMs()), rowId);
      }
      return rows.length;
    },
    close: () => {
      timers.close();
    },
  };
  return queue;
}

export type EmbeddedTaskQueue = ReturnType<typeof createEmbeddedTaskQueue>;
