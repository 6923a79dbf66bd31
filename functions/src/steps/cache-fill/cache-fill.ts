import {
  FAMILY_DEFAULTS,
  familyOf,
  isAppError,
  preferredVariant,
  type Deployment,
} from '@visgate/shared';
import type { Deps } from '../../deps';
import { cacheTarget, refOf } from './cache-target';
import { fillCache } from './model-cache';

/**
 * The weights variant a GPU worker prefers for this model: its compute dtype, from the pipeline
 * class (`VISGATE_PIPELINE`) and model id exactly as the worker derives it (`family_of` →
 * `compute_dtype`). The fill copies only that variant when every component has it.
 */
export function workerVariant(doc: Deployment): 'fp16' | 'bf16' {
  const family = familyOf(doc.pipeline === '' ? null : doc.pipeline, doc.hf_model_id);
  return preferredVariant(FAMILY_DEFAULTS[family].computeDtype);
}

export type CacheFillDeps = Pick<
  Deps,
  'config' | 'store' | 'secrets' | 'log' | 'clock' | 'objectStores' | 'modelFiles'
>;

/**
 * `cache-fill` task target: copies the deployment's pinned revision into its cache (resumable,
 * manifest last). The task is named per bucket+model@sha, so concurrent misses enqueue one fill.
 * Permanent problems (refused bucket, gone credentials or deployment) are logged and dropped;
 * transient ones throw so Cloud Tasks retries, and the retry skips the files already copied. A
 * fill of the same model@sha already running in the bucket (its lease is live) is a retryable
 * CONFLICT: the task comes back later and then finds a hit or an expired lease to take over.
 */
export function createCacheFill(deps: CacheFillDeps) {
  return async function cacheFill(payload: Record<string, unknown>): Promise<void> {
    const id = payload.deployment_id;
    if (typeof id !== 'string') return;
    const doc = await deps.store.get(id);
    if (!doc?.revision_sha) return;
    const secrets = await deps.secrets.get(id);
    let target;
    try {
      target = cacheTarget(deps, doc, secrets);
    } catch (e) {
      deps.log.warn('cache fill dropped', { deployment_id: id, error: (e as Error).message });
      return;
    }
    if (!target) return;
    const source = deps.modelFiles(secrets?.hfToken ?? null);
    const t0 = deps.clock.now().getTime();
    try {
      const r = await fillCache(refOf(target, doc.hf_model_id, doc.revision_sha), source, {
        now: () => deps.clock.now(),
        verifyLfsOid: deps.config.CACHE_VERIFY_LFS_OID,
        leaseS: deps.config.CACHE_FILL_LEASE_S,
        preferredVariant: workerVariant(doc),
      });
      deps.log.info('cache filled', {
        deployment_id: id,
        scope: target.scope,
        model: doc.hf_model_id,
        uploaded: r.uploaded.length,
        skipped: r.skipped.length,
        bytes: r.bytesUploaded,
        seconds: (deps.clock.now().getTime() - t0) / 1000,
      });
    } catch (e) {
      if (isAppError(e) && e.onStep === 'fail') {
        deps.log.warn('cache fill failed', { deployment_id: id, code: e.code, error: e.message });
        return;
      }
      if (isAppError(e) && e.code === 'CONFLICT') {
        deps.log.info('cache fill deferred: another fill holds the lease', {
          deployment_id: id,
          model: doc.hf_model_id,
          retry_after_s: e.retryAfterS,
        });
      }
      throw e;
    } finally {
      target.store.destroy();
    }
  };
}
