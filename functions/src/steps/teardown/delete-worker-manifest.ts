import { isAppError, revisionKeyBase, workerManifestKey, type Deployment } from '@visgate/shared';
import type { DeploymentSecrets } from '../../ports';
import type { Deps } from '../../deps';
import { cacheTarget, type CacheTarget } from '../cache-fill/cache-target';

/**
 * Teardown: deletes the deployment's presigned worker manifest
 * (`<base>/.deployments/<deployment_id>.json`). Best effort and called while the cache
 * credentials still exist: a failure is logged (bucket and error code, never a key) and never
 * blocks teardown; the URLs inside expire anyway after CACHE_PRESIGN_TTL_S.
 */
export async function deleteWorkerManifest(
  deps: Pick<Deps, 'config' | 'log' | 'objectStores'>,
  doc: Deployment,
  secrets: DeploymentSecrets | null,
): Promise<void> {
  if (!doc.revision_sha) return;
  let target: CacheTarget | null = null;
  try {
    target = cacheTarget(deps, doc, secrets);
    if (!target) return;
    const base = revisionKeyBase(target.loc, doc.hf_model_id, doc.revision_sha);
    await target.store.delete(workerManifestKey(base, doc.deployment_id));
  } catch (e) {
    deps.log.warn('worker cache manifest not deleted', {
      deployment_id: doc.deployment_id,
      scope: doc.settings.cache_scope,
      code: isAppError(e) ? e.code : undefined,
      error: e instanceof Error ? e.message : String(e),
    });
  } finally {
    target?.store.destroy();
  }
}
