import { isAppError, type Deployment } from '@visgate/shared';
import type { RunPodWorker } from '../../ports';
import type { Deps } from '../../deps';
import { decideCost, recordCostCheck } from './decide-cost';

export type GuardCostDeps = Pick<Deps, 'store' | 'secrets' | 'runpod' | 'bus' | 'log'>;

/**
 * Accounts one live deployment's spend from its worker list and, past its `ttl_s` or `budget_usd`,
 * moves it to `deleting` and publishes its teardown. A failed worker list (a revoked key, an
 * outage) skips this deployment for one cycle rather than guessing its spend. Answers the report
 * field this counts toward, or null when nothing was deleted.
 */
export async function guardCost(
  deps: GuardCostDeps,
  doc: Deployment,
  now: Date,
): Promise<'deletedTtl' | 'deletedBudget' | null> {
  const id = doc.deployment_id;
  const key = (await deps.secrets.get(id))?.runpodApiKey;
  if (!key || !doc.endpoint_id || !doc.gpu) return null;
  let workers: RunPodWorker[];
  try {
    workers = await deps.runpod.listWorkers(key, doc.endpoint_id);
  } catch (e) {
    if (!isAppError(e)) throw e;
    deps.log.warn('cost check failed', { deployment_id: id, code: e.code });
    return null;
  }
  const check = decideCost(doc, workers, now);
  const written = await deps.store.mutate(id, (d) => recordCostCheck(d, doc.status, check, now));
  if (!written || !check.over) return null;
  await deps.bus.publish('deployment-teardown', { deployment_id: id });
  return check.over.limit === 'ttl' ? 'deletedTtl' : 'deletedBudget';
}
