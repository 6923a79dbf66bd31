import type { Deployment } from '@visgate/shared';
import type { Deps } from '../../deps';
import { decidePurge } from './decide-purge';

export type PurgeDeps = Pick<Deps, 'config' | 'store' | 'secrets' | 'bus'>;

/**
 * Carries out `decidePurge` for one closed deployment: re-publishes a lagging teardown, or deletes
 * the secrets and records that they are gone (so the sweep stops looking for this owner's key
 * here). Answers the report field this counts toward, or null when nothing was done.
 */
export async function purgeSecrets(
  deps: PurgeDeps,
  doc: Deployment,
  now: Date,
): Promise<'nudged' | 'purged' | null> {
  const id = doc.deployment_id;
  const decision = decidePurge(doc, now, {
    stepDeadlineS: deps.config.STEP_DEADLINE_S,
    secretRetentionS: deps.config.SECRET_RETENTION_S,
  });
  switch (decision) {
    case 'keep':
      return null;
    case 'teardown':
      await deps.bus.publish('deployment-teardown', { deployment_id: id });
      return 'nudged';
    case 'purge':
      await deps.secrets.delete(id);
      await deps.store.mutate(id, (d) => ({
        ...d,
        runtime: { ...d.runtime, secrets_purged: true },
      }));
      return 'purged';
  }
}
