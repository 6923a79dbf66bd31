import type { DeploymentStatus, HistoryEntry } from '@visgate/shared';

export interface TimelineRow {
  status: DeploymentStatus;
  at: string;
  /** Seconds spent in this status; for the current one, until `now`. */
  seconds: number;
  current: boolean;
  reason: string | null;
}

/**
 * A deployment's history as the rows of its timeline: each status with how long it lasted (until
 * the next entry, or until `now` for the status it is still in). Pure.
 */
export function timeline(history: readonly HistoryEntry[], now: Date): TimelineRow[] {
  const sorted = [...history].sort((a, b) => a.at.localeCompare(b.at));
  return sorted.map((h, i) => {
    const next = sorted[i + 1];
    const end = next ? Date.parse(next.at) : now.getTime();
    return {
      status: h.to,
      at: h.at,
      seconds: Math.max(0, (end - Date.parse(h.at)) / 1000),
      current: next === undefined,
      reason: h.reason,
    };
  });
}
