import { AppError, CLOSING_STATUSES } from '@visgate/shared';
import type { Deps } from '../deps';
import { checkCache, presignManifest, type WorkerManifest } from '../steps/cache-fill/model-cache';
import { cacheTarget, refOf, sharedVerdict } from '../steps/cache-fill/cache-target';
import { authorizeWorker } from './worker-events';

export type WorkerManifestDeps = Pick<Deps, 'config' | 'store' | 'secrets' | 'objectStores'>;

/**
 * `GET /internal/worker-manifest/{id}` with the deployment's events token: the cache's files with
 * presigned GET URLs minted now (valid CACHE_PRESIGN_TTL_S). A worker that starts hours after
 * provision (scale from zero, resume) gets URLs that work, and a fill that completed after
 * provision is used. NOT_FOUND for a wrong token, a closed deployment, or no complete copy yet:
 * the worker then tries its next source.
 */
export function createWorkerManifest(deps: WorkerManifestDeps) {
  return async function workerManifest(id: string, token: string | null): Promise<WorkerManifest> {
    const secrets = await authorizeWorker(deps.secrets, id, token);
    const doc = await deps.store.get(id);
    if (!doc?.revision_sha || CLOSING_STATUSES.includes(doc.status)) {
      throw new AppError('NOT_FOUND', 'no such deployment');
    }
    if (
      doc.settings.cache_scope === 'shared' &&
      !sharedVerdict(deps.config, doc, doc.model, secrets.hfToken != null).use
    ) {
      throw new AppError('NOT_FOUND', 'the shared cache does not serve this model');
    }
    const target = cacheTarget(deps, doc, secrets);
    if (!target) throw new AppError('NOT_FOUND', 'this deployment has no model cache');
    try {
      const ref = refOf(target, doc.hf_model_id, doc.revision_sha);
      const hit = await checkCache(ref);
      if (!hit.hit) throw new AppError('NOT_FOUND', 'no complete cached copy yet');
      return await presignManifest(ref, hit.manifest, deps.config.CACHE_PRESIGN_TTL_S);
    } finally {
      target.store.destroy();
    }
  };
}
