import type { Deployment } from '@visgate/shared';
import { secondsSince } from './age';

export interface PurgeSettings {
  /** How long teardown may lag behind a failure before it is nudged (STEP_DEADLINE_S). */
  stepDeadlineS: number;
  /** How long a closed deployment's secrets are kept (SECRET_RETENTION_S). */
  secretRetentionS: number;
}

/**
 * - `teardown`: a failed deployment still holds RunPod resources past a deadline; re-publish its
 *   teardown (which needs the RunPod key, so the secrets must stay).
 * - `purge`: drop the secrets and mark the deployment fully closed.
 * - `keep`: not yet (inside the retention window, a webhook still to deliver, already purged).
 */
export type PurgeDecision = 'teardown' | 'purge' | 'keep';

/**
 * What the reaper does for one closed (`failed` or `deleted`) deployment. Secrets outlive the
 * close by SECRET_RETENTION_S so late webhooks and a lagging teardown can still use them, and never
 * go while something still needs them: a pending webhook delivery (it signs with the secret) or
 * resources not yet released (teardown needs the RunPod key). Pure: time and settings are parameters.
 */
export function decidePurge(doc: Deployment, now: Date, s: PurgeSettings): PurgeDecision {
  const ageS = secondsSince(doc.updated_at, now);
  const holdsResources = doc.status === 'failed' && !doc.runtime.resources_released;
  if (holdsResources && ageS > s.stepDeadlineS) return 'teardown';
  if (doc.runtime.secrets_purged || ageS < s.secretRetentionS) return 'keep';
  if (doc.webhook?.deliveries.some((d) => d.status === 'pending')) return 'keep';
  if (holdsResources) return 'keep';
  return 'purge';
}
