import type { Clock, Timers } from '@visgate/functions';

/**
 * Simulated time that runs `scale` times faster than the wall clock: the clock and every timer of
 * the system agree, so hours of backoff, deadlines and retention windows pass in seconds while all
 * I/O stays real.
 */
export function createScaledTime(
  scale: number,
  start = new Date('2026-11-27T12:00:00Z'),
): { clock: Clock; timers: Timers } {
  const t0 = performance.now();
  return {
    clock: { now: () => new Date(start.getTime() + (performance.now() - t0) * scale) },
    timers: {
      setTimeout(fn, ms) {
        const t = setTimeout(fn, Math.max(0, ms / scale));
        t.unref();
        return () => {
          clearTimeout(t);
        };
      },
    },
  };
}
