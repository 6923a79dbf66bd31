import { transition, type Deployment, type DeploymentStatus } from '@visgate/shared';
import type { RunPodWorker } from '../../ports';
import { secondsSince } from './age';

/** The outcome of one cost check: spend so far and, when a limit is reached, why it must go. */
export interface CostCheck {
  /** Spend recorded so far, rounded to a millionth of a dollar. */
  spentUsd: number;
  /** The limit reached (ttl first, since it needs no accounting), or null while within both. */
  over: { limit: 'ttl' | 'budget'; reason: string } | null;
}

/** Worker states RunPod bills for: a throttled or unhealthy worker holds no GPU. */
const BILLABLE: ReadonlySet<RunPodWorker['status']> = new Set(['RUNNING', 'IDLE', 'INITIALIZING']);

/**
 * Spend accrued since the last check (or since provisioning, the first time): each billable worker
 * bills for the part of that window it was up. RunPod reports no spend per endpoint, so this is
 * the worker list × the pool's hourly price; a worker seen once per check is counted once.
 */
export function accruedSpendUsd(
  doc: Deployment,
  workers: readonly RunPodWorker[],
  now: Date,
): number {
  const age = (iso: string | null): number => secondsSince(iso, now);
  const since = doc.runtime.cost_checked_at ?? doc.timings.provisioned_at;
  const windowS = since === null ? 0 : Math.max(0, age(since));
  const seconds = workers
    .filter((w) => BILLABLE.has(w.status))
    .reduce((n, w) => n + Math.min(windowS, w.startedAt ? age(w.startedAt) : windowS), 0);
  return (seconds * (doc.gpu?.price_per_hour_usd ?? 0)) / 3600;
}

/**
 * Whether a live deployment has outlived its `ttl_s` or spent its `budget_usd`, given the workers
 * RunPod lists now. Pure: the reaper deletes what this says is over and records the spend either way.
 */
export function decideCost(
  doc: Deployment,
  workers: readonly RunPodWorker[],
  now: Date,
): CostCheck {
  const spent = doc.cost.spent_usd + accruedSpendUsd(doc, workers, now);
  const s = doc.settings;
  const over =
    s.ttl_s !== null && secondsSince(doc.created_at, now) > s.ttl_s
      ? { limit: 'ttl' as const, reason: `ttl of ${s.ttl_s} s reached` }
      : s.budget_usd !== null && spent >= s.budget_usd
        ? { limit: 'budget' as const, reason: `budget of $${s.budget_usd} reached` }
        : null;
  return { spentUsd: Math.round(spent * 1e6) / 1e6, over };
}

/**
 * The document with the check recorded (spend, check time, and the move to `deleting` when over a
 * limit), or null when it left `readStatus` since the reaper read it: a pause, resume or delete in
 * between wins, and two overlapping reaper cycles cannot both start the teardown.
 */
export function recordCostCheck(
  current: Deployment,
  readStatus: DeploymentStatus,
  check: CostCheck,
  now: Date,
): Deployment | null {
  if (current.status !== readStatus) return null;
  const checked: Deployment = {
    ...current,
    cost: { ...current.cost, spent_usd: check.spentUsd },
    runtime: { ...current.runtime, cost_checked_at: now.toISOString() },
  };
  return check.over ? transition(checked, 'deleting', now, check.over.reason) : checked;
}
