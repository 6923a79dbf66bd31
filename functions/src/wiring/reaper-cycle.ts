import { createReaper, type ReapReport } from '../steps/reaper/reaper';
import type { WiredDeps } from './wired-deps';

/** One reaper cycle: stuck steps nudged or failed, expired documents deleted, orphans removed. */
export type ReaperCycle = () => Promise<ReapReport>;

/**
 * The reaper over the wiring's own scanner, built one way for the embedded timer
 * (wiring/embedded.ts) and the Cloud Scheduler target (entry/register.ts).
 */
export function createReaperCycle({
  deps,
  scanner,
}: Pick<WiredDeps, 'deps' | 'scanner'>): ReaperCycle {
  return createReaper({ ...deps, scanner });
}
