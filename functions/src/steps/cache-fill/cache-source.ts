import { createHash } from 'node:crypto';
import {
  AppError,
  FAMILY_DEFAULTS,
  familyOf,
  isAppError,
  parseS3Url,
  preferredVariant,
  revisionKeyBase,
  sharedCacheVerdict,
  workerManifestKey,
  type Deployment,
  type S3Location,
} from '@visgate/shared';
import { hubFileSource } from '../../adapters/s3/hub-files';
import {
  checkCache,
  fillCache,
  presignManifest,
  publishWorkerManifest,
  type CacheRef,
  type WorkerManifest,
} from '../../adapters/s3/model-cache';
import { S3Store } from '../../adapters/s3/s3-store';
import type { DeploymentSecrets } from '../../ports';
import type { Deps } from '../../deps';
import { CLOSING_STATUSES } from '../lifecycle';
import { authorizeWorker } from '../../api/worker-events';

export type CacheDeps = Pick<Deps, 'config' | 'tasks' | 'log' | 'clock'>;

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

type CacheTarget = NonNullable<ReturnType<typeof cacheTarget>>;

function refOf(target: CacheTarget, modelId: string, revisionSha: string): CacheRef {
  return { store: target.store, loc: target.loc, modelId, revisionSha };
}

/** Whether the shared cache serves this model: the operator's allowlist and the Hub access check. */
function sharedVerdict(
  config: Deps['config'],
  doc: Deployment,
  model: { gated: false | 'auto' | 'manual'; private: boolean } | null,
  hubAccessVerified: boolean,
) {
  return sharedCacheVerdict(
    doc.hf_model_id,
    model ?? { gated: false, private: false },
    hubAccessVerified,
    {
      allowedModels: config.SHARED_CACHE_ALLOWED_MODELS,
      rejectUnlisted: config.SHARED_CACHE_REJECT_UNLISTED,
    },
  );
}

/** Where a deployment's workers ask for a fresh presigned manifest (`GET`, events token). */
export function workerManifestUrl(publicBaseUrl: string, id: string): string {
  return `${publicBaseUrl.replace(/\/$/, '')}/internal/worker-manifest/${id}`;
}

export type WorkerManifestDeps = Pick<Deps, 'config' | 'store' | 'secrets'>;

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
    const target = cacheTarget(deps.config, doc, secrets);
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

/** The bucket and credentials for a deployment's cache scope, or null when no cache applies. */
export function cacheTarget(
  config: Deps['config'],
  doc: Deployment,
  secrets: DeploymentSecrets | null,
): { scope: 'private' | 'shared'; loc: S3Location; store: S3Store } | null {
  const scope = doc.settings.cache_scope;
  if (scope === 'private') {
    const c = secrets?.cache;
    if (!c)
      throw new AppError(
        'CACHE_ACCESS_DENIED',
        'the private cache credentials are no longer available',
      );
    const loc = parseS3Url(c.s3Url);
    return {
      scope,
      loc,
      // The user's endpoint: held to the webhook rules, at every connection too.
      store: new S3Store(
        loc.bucket,
        {
          endpointUrl: c.endpointUrl,
          accessKeyId: c.accessKeyId,
          secretAccessKey: c.secretAccessKey,
        },
        { allowPrivateHosts: config.WEBHOOK_ALLOW_PRIVATE_HOSTS },
      ),
    };
  }
  if (scope === 'shared') {
    const creds = config.secrets.sharedCache;
    if (!config.SHARED_CACHE_S3_URL || !creds) return null;
    const loc = parseS3Url(config.SHARED_CACHE_S3_URL);
    return {
      scope,
      loc,
      store: new S3Store(loc.bucket, {
        endpointUrl: config.SHARED_CACHE_ENDPOINT_URL ?? null,
        ...creds,
      }),
    };
  }
  return null;
}

/**
 * Shared-scope admission, decided at validation: unlisted models are rejected when
 * SHARED_CACHE_REJECT_UNLISTED is set, and gated/private models only pass when the user's own HF
 * token passed the Hub's access check (validation inspected the model with it). Returns an error
 * to fail the deployment with, or null.
 */
export function sharedCacheRejection(
  config: Deps['config'],
  doc: Deployment,
  model: { gated: false | 'auto' | 'manual'; private: boolean },
  tokenPassedHubCheck: boolean,
): AppError | null {
  if (doc.settings.cache_scope !== 'shared') return null;
  const v = sharedVerdict(config, doc, model, tokenPassedHubCheck);
  if (v.use || !v.reject) return null;
  return v.reason === 'unlisted'
    ? new AppError(
        'VALIDATION_FAILED',
        `${doc.hf_model_id} is not on the shared cache allowlist; use cache.scope "none" or "private"`,
      )
    : new AppError(
        'CACHE_ACCESS_DENIED',
        `${doc.hf_model_id} is gated or private: the shared cache serves it only with an HF token that has access`,
      );
}

export function fillTaskName(scope: string, loc: S3Location, modelId: string, sha: string): string {
  const h = createHash('sha256')
    .update(`${scope}\0${loc.bucket}\0${loc.prefix}\0${modelId}\0${sha}`)
    .digest('hex');
  return `cache-fill-${h.slice(0, 40)}`;
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
  const target = cacheTarget(deps.config, doc, secrets);
  if (!target) return notServed('cache:shared not configured');
  // Later cold starts (new workers, hours on) ask for fresh URLs here, and find a fill that
  // completed after this provision.
  const fresh = {
    manifest_endpoint: workerManifestUrl(deps.config.PUBLIC_BASE_URL, doc.deployment_id),
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

/**
 * Teardown: deletes the deployment's presigned worker manifest
 * (`<base>/.deployments/<deployment_id>.json`). Best effort and called while the cache
 * credentials still exist: a failure is logged (bucket and error code, never a key) and never
 * blocks teardown; the URLs inside expire anyway after CACHE_PRESIGN_TTL_S.
 */
export async function deleteWorkerManifest(
  deps: Pick<Deps, 'config' | 'log'>,
  doc: Deployment,
  secrets: DeploymentSecrets | null,
): Promise<void> {
  if (!doc.revision_sha) return;
  let target: CacheTarget | null = null;
  try {
    target = cacheTarget(deps.config, doc, secrets);
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

/**
 * The weights variant a GPU worker prefers for this model: its compute dtype, from the pipeline
 * class (`VISGATE_PIPELINE`) and model id exactly as the worker derives it (`family_of` →
 * `compute_dtype`). The fill copies only that variant when every component has it.
 */
export function workerVariant(doc: Deployment): 'fp16' | 'bf16' {
  const family = familyOf(doc.pipeline === '' ? null : doc.pipeline, doc.hf_model_id);
  return preferredVariant(FAMILY_DEFAULTS[family].computeDtype);
}

export type CacheFillDeps = Pick<Deps, 'config' | 'store' | 'secrets' | 'log' | 'clock'>;

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
      target = cacheTarget(deps.config, doc, secrets);
    } catch (e) {
      deps.log.warn('cache fill dropped', { deployment_id: id, error: (e as Error).message });
      return;
    }
    if (!target) return;
    const source = hubFileSource({
      hubUrl: deps.config.HF_HUB_URL,
      token: secrets?.hfToken ?? null,
    });
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
