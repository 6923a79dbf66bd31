import {
  AppError,
  DEPLOYMENT_ID_PATTERN,
  transition,
  type Deployment,
  type DeploymentStatus,
} from '@visgate/shared';
import type { Deps } from '../deps';

export type ManageDeps = Pick<Deps, 'store' | 'bus' | 'clock' | 'log'>;

const notFound = (): AppError => new AppError('NOT_FOUND', 'no such deployment');

/** The deployment if the owner may see it; another owner's deployment is indistinguishable from none. */
export async function getOwnedDeployment(
  deps: Pick<Deps, 'store'>,
  owner: string,
  id: string,
): Promise<Deployment> {
  if (!DEPLOYMENT_ID_PATTERN.test(id)) throw notFound();
  const doc = await deps.store.get(id);
  if (doc?.owner_hash !== owner) throw notFound();
  return doc;
}

export function listDeployments(
  deps: Pick<Deps, 'store'>,
  owner: string,
  q: { status?: DeploymentStatus; limit: number; cursor?: string },
): Promise<{ docs: Deployment[]; nextCursor: string | null }> {
  return deps.store.list({ ownerHash: owner, ...q });
}

/**
 * DELETE: moves the deployment to `deleting` (from any status but deleting/deleted) and starts the
 * teardown, which deletes the RunPod endpoint and template and then marks it `deleted`. Repeating
 * the call is harmless.
 */
export async function deleteDeployment(
  deps: ManageDeps,
  owner: string,
  id: string,
): Promise<Deployment> {
  const doc = await getOwnedDeployment(deps, owner, id);
  const at = deps.clock.now();
  const written = await deps.store.mutate(id, (d) =>
    d.status === 'deleting' || d.status === 'deleted'
      ? null
      : transition(d, 'deleting', at, 'deleted by user'),
  );
  if (doc.status !== 'deleted')
    await deps.bus.publish('deployment-teardown', { deployment_id: id });
  if (written) deps.log.info('deletion requested', { deployment_id: id, from: doc.status });
  return written ?? doc;
}
