import type { Deps } from '../deps';
import type { Clock, DeploymentScanner, Logger } from '../ports';
import type { OutboundOverrides } from './outbound';

/**
 * What a dependency builder returns, embedded and GCP alike: the deps every step and route takes,
 * the scanner the reaper lists deployments with, and how to release what the builder opened. The
 * step table, the reaper cycle and the HTTP app take this one shape, so they never know the mode.
 */
export interface WiredDeps {
  deps: Deps;
  scanner: DeploymentScanner;
  close(): Promise<void>;
}

/** Options both builders take: tests bring a memory logger, a moved clock, recording clients. */
export interface WiringOptions {
  log?: Logger;
  clock?: Clock;
  /** Overrides for tests: e.g. a webhook sender that records. */
  overrides?: OutboundOverrides;
}
