import type { Clock } from '../../ports';

/** The wall clock: what every wiring uses unless a test or chaos run brings its own. */
export const systemClock: Clock = { now: () => new Date() };
