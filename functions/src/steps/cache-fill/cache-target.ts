import { createHash } from 'node:crypto';
import {
  AppError,
  parseS3Url,
  sharedCacheVerdict,
  type Deployment,
  type S3Location,
} from '@visgate/shared';
import type { DeploymentSecrets, ObjectStore } from '../../ports';
import type { Deps } from '../../deps';
import type { CacheRef } from './model-cache';

/** A deployment's cache: its scope, where in the bucket, and the opened bucket (destroy after use). */
export interface CacheTarget {
  scope: 'private' | 'shared';
  loc: S3Location;
  store: ObjectStore;
}

export function refOf(target: CacheTarget, modelId: string, revisionSha: string): CacheRef {
  return { store: target.store, loc: target.loc, modelId, revisionSha };
}

/** Whether the shared cache serves this model: the operator's allowlist and the Hub access check. */
export function sharedVerdict(
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

/** The bucket and credentials for a deployment's cache scope, or null when no cache applies. */
export function cacheTarget(
  deps: Pick<Deps, 'config' | 'objectStores'>,
  doc: Deployment,
  secrets: DeploymentSecrets | null,
): CacheTarget | null {
  const config = deps.config;
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
      store: deps.objectStores(
        loc.bucket,
        {
          endpointUrl: c.endpointUrl,
          accessKeyId: c.accessKeyId,
          secretAccessKey: c.secretAccessKey,
        },
        { userEndpoint: true },
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
      store: deps.objectStores(loc.bucket, {
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
