import type { Logger } from '../../ports';
/** Schedules callbacks; the embedded bus and queue take one so a simulated clock can drive them. */
/** How the embedded bus and task queue deliver: the options they share. */
export interface DeliveryOptions {
  log: Logger;
  timers?: Timers;
  /** Deliver everything twice (Pub/Sub and Cloud Tasks are at-least-once, made the rule for tests). */
  duplicateDelivery?: boolean;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Random extra delay (0..jitterMs) on every delivery, so messages overtake each other. */
  jitterMs?: number;
  random?: () => number;
}

export interface Timers {
  /** Runs `fn` after `ms`; returns a cancel function. */
  setTimeout(fn: () => void, ms: number): () => void;
}

/** Real timers that never keep the process alive on their own (servers do that). */
export const realTimers: Timers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return () => {
      clearTimeout(t);
    };
  },
};

/** Tracks scheduled callbacks so an owner can cancel all of them on close. */
export class TimerGroup {
  private readonly cancels = new Set<() => void>();
  private closed = false;

  constructor(private readonly timers: Timers) {}

  schedule(fn: () => void, ms: number): void {
    if (this.closed) return;
    const cancel = this.timers.setTimeout(() => {
      this.cancels.delete(cancel);
      fn();
    }, ms);
    this.cancels.add(cancel);
  }

  get pending(): number {
    return this.cancels.size;
  }

  close(): void {
    this.closed = true;
    for (const c of this.cancels) c();
    this.cancels.clear();
  }
}

/** Exponential backoff with full jitter: attempt 1 → minMs .. 2·minMs, capped at maxMs. */
export function backoffMs(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number,
): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}
