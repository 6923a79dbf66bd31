/**
 * Seconds from `iso` to `now`; 0 when the moment was never recorded, so a missing timestamp never
 * makes a deployment look overdue. Every reaper decision measures time with this one rule.
 */
export function secondsSince(iso: string | null, now: Date): number {
  return iso === null ? 0 : (now.getTime() - Date.parse(iso)) / 1000;
}
