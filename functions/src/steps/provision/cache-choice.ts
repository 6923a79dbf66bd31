import { isAppError, type Deployment } from '@visgate/shared';
import type { DeploymentSecrets } from '../../ports';
import type { Deps } from '../../deps';
import { checkCache, publishWorkerManifest } from '../cache-fill/model-cache';
import { cacheTarget, fillTaskName, refOf, sharedVerdict } from '../cache-fill/cache-target';
import { workerUrl } from './plan';

export type CacheDeps = Pick<Deps, 'config' | 'tasks' | 'log' | 'clock' | 'objectStores'>;

/** What provision puts in front of the Hub in VISGATE_MODEL_SOURCES, and what the document shows. */
export interface CacheChoice {
  sources: Record<string, unknown>[];
  /** A complete cached copy exists now (the worker gets presigned URLs for it). */
  hit: boolean;
  /** Why the cache does not serve this start, e.g. `cache:shared miss, fill queued`; null on a hit. */
  reason: string | null;
  /** e.g. `cache:private:hit`, `huggingface (cache:shared miss, fill queued)`. */
  source: string;
}

function notServed(reason: string, sources: Record<string, unknown>[] = []): CacheChoice {
  return { sources, hit: false, reason, source: `huggingface (${reason})` };
}

/**
 * Chooses the weight source at provision: a hit gives the worker an `s3` source (presigned URLs
 * only, expiring after CACHE_PRESIGN_TTL_S); a miss enqueues one named fill task per model@sha
 * and lets this deployment use the Hub. CACHE_ACCESS_DENIED propagates (the user's bucket refused
 * us); an unreachable bucket degrades to the Hub, since the cache is only an optimisation.
 */
export async function chooseCacheSource(
  deps: CacheDeps,
  doc: Deployment,
  secrets: DeploymentSecrets | null,
): Promise<CacheChoice | null> {
  if (doc.settings.cache_scope === 'none' || !doc.revision_sha) return null;
  if (doc.settings.cache_scope === 'shared') {
    const v = sharedVerdict(deps.config, doc, doc.model, secrets?.hfToken != null);
    if (!v.use) return notServed(`cache:shared not used: ${v.reason}`);
  }
  const target = cacheTarget(deps, doc, secrets);
  if (!target) return notServed('cache:shared not configured');
  // Later cold starts (new workers, hours on) ask for fresh URLs here, and find a fill that
  // completed after this provision.
  const fresh = {
    manifest_endpoint: workerUrl(deps.config.PUBLIC_BASE_URL, 'worker-manifest', doc.deployment_id),
  };
  const ref = refOf(target, doc.hf_model_id, doc.revision_sha);
  try {
    const hit = await checkCache(ref);
    if (hit.hit) {
      const { manifestUrl } = await publishWorkerManifest(
        ref,
        hit.manifest,
        doc.deployment_id,
        deps.config.CACHE_PRESIGN_TTL_S,
      );
      return {
        sources: [{ type: 's3', manifest_url: manifestUrl, ...fresh }],
        hit: true,
        reason: null,
        source: `cache:${target.scope}:hit`,
      };
    }
    await deps.tasks.enqueue({
      queue: 'cache-fill',
      name: fillTaskName(target.scope, target.loc, doc.hf_model_id, doc.revision_sha),
      payload: { deployment_id: doc.deployment_id },
    });
    return notServed(`cache:${target.scope} miss, fill queued`, [{ type: 's3', ...fresh }]);
  } catch (e) {
    if (isAppError(e) && e.code === 'CACHE_ACCESS_DENIED') throw e;
    deps.log.warn('model cache unavailable, using the Hub', {
      deployment_id: doc.deployment_id,
      scope: target.scope,
      error: e instanceof Error ? e.message : String(e),
    });
    return notServed(`cache:${target.scope} unavailable`, [{ type: 's3', ...fresh }]);
  } finally {
    target.store.destroy();
  }
}
