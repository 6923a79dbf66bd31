import { seededRandom } from '../seeded-random';
/** Switches that make the simulated Hub slow or unreliable. */
export interface HfSimSwitches {
  /** Delay before every answer, in milliseconds. */
  latencyMs: number;
  /** Probability (0..1) that a request is answered 500/502/503. */
  errorRate5xx: number;
  /** Probability (0..1) that a request is answered 429 with `Retry-After: 1`. */
  rate429: number;
  /** When true every request is answered 503. */
  down: boolean;
  /** Answers larger than this many bytes are refused with 416 (`X-Error-Code: SimTooLarge`). */
  maxResponseBytes: number;
}

export const DEFAULT_SWITCHES: HfSimSwitches = {
  latencyMs: 0,
  errorRate5xx: 0,
  rate429: 0,
  down: false,
  maxResponseBytes: 64 * 1024 * 1024,
};

/** The injected failure status for the next request, or null to answer normally. */
export function pickFault(switches: HfSimSwitches, random: () => number): number | null {
  if (switches.down) return 503;
  if (switches.rate429 > 0 && random() < switches.rate429) return 429;
  if (switches.errorRate5xx > 0 && random() < switches.errorRate5xx) {
    return [500, 502, 503][Math.floor(random() * 3)] ?? 500;
  }
  return null;
}

/** The simulator's seeded PRNG (one implementation for every simulator and the chaos run). */
export const createPrng = seededRandom;
