import { isAppError, runpodResourceName, type Deployment } from '@visgate/shared';
import type { RunPodEndpoint, RunPodEndpointSpec } from '../../ports';
import type { CacheChoice } from './cache-choice';
import type { Deps } from '../../deps';

export type RunPodModelCachePlan =
  | { use: true; reference: string }
  | { use: false; reason: 'disabled' | 'no-revision' | 's3-cache-hit' | 'gated-or-private' };

/**
 * Whether to ask RunPod to cache the model on its hosts (GraphQL `modelReferences`), so the
 * download happens before the worker starts and is not billed. Used when no S3 cache hit applies
 * and the model is public. Gated and private models are left out: RunPod reads their HF token from
 * the console, and its API offers no field to hand one over, so a reference would leave the
 * workers waiting on a download RunPod cannot make.
 */
export function planRunPodModelCache(
  config: Pick<Deps['config'], 'RUNPOD_MODEL_CACHE'>,
  doc: Pick<Deployment, 'hf_model_id' | 'revision_sha'> & {
    model: Pick<NonNullable<Deployment['model']>, 'gated' | 'private'> | null;
  },
  s3Hit: boolean,
): RunPodModelCachePlan {
  if (!config.RUNPOD_MODEL_CACHE) return { use: false, reason: 'disabled' };
  if (!doc.revision_sha) return { use: false, reason: 'no-revision' };
  if (s3Hit) return { use: false, reason: 's3-cache-hit' };
  if (doc.model === null || doc.model.gated !== false || doc.model.private) {
    return { use: false, reason: 'gated-or-private' };
  }
  return { use: true, reference: runpodModelReference(doc.hf_model_id, doc.revision_sha) };
}

/** `https://huggingface.co/<org>/<name>:<sha>`, the form RunPod stores (runpodctl `model-status`). */
export function runpodModelReference(modelId: string, revisionSha: string): string {
  return `https://huggingface.co/${modelId}:${revisionSha}`;
}

/**
 * `progress.source` once provision knows whether RunPod's cache was set: the planned source with
 * the reasons, e.g. `runpod_cache (cache:private miss, fill queued)` or
 * `huggingface (runpod_cache refused: …)`. The worker's events replace it with what it really used.
 */
export function plannedSource(
  cache: Pick<CacheChoice, 'source' | 'reason'> | null,
  runpodCache: 'set' | { refused: string } | null,
): string | null {
  if (runpodCache === null || (cache !== null && cache.reason === null)) {
    return cache?.source ?? null; // RunPod's cache was not tried, or an S3 hit serves the weights
  }
  const reasons = cache?.reason ? [cache.reason] : [];
  if (runpodCache === 'set') {
    return reasons.length > 0 ? `runpod_cache (${reasons.join('; ')})` : 'runpod_cache';
  }
  return `huggingface (${[...reasons, `runpod_cache refused: ${runpodCache.refused}`].join('; ')})`;
}

/**
 * A REST PATCH of a deployment's endpoint that keeps its cached model. REST v2 has no
 * `modelReferences` field, and nothing documents that a PATCH leaves GraphQL's references alone, so
 * after the PATCH the references are read back (GraphQL) and, when RunPod dropped ours, set again
 * with the whole configuration the PATCH answered (`saveEndpoint` is a full replace: runpodctl
 * `internal/api/endpoints.go` `UpdateEndpointModels` round-trips every field for this reason).
 */
export async function updateEndpointKeepingCache(
  deps: Pick<Deps, 'runpod' | 'log'>,
  apiKey: string,
  doc: Pick<Deployment, 'deployment_id' | 'endpoint_id' | 'template_id' | 'runtime'>,
  patch: Parameters<Deps['runpod']['updateEndpoint']>[2],
): Promise<RunPodEndpoint> {
  const endpointId = doc.endpoint_id;
  if (endpointId === null) throw new Error('updateEndpointKeepingCache needs an endpoint');
  const endpoint = await deps.runpod.updateEndpoint(apiKey, endpointId, patch);
  const reference = doc.runtime.runpod_model_reference;
  if (reference === null || doc.template_id === null) return endpoint;
  const fields = { deployment_id: doc.deployment_id, endpoint_id: endpointId };
  try {
    const stored = await deps.runpod.getModelReferences(apiKey, endpointId);
    if (stored.includes(reference)) return endpoint;
    deps.log.warn(
      'RunPod dropped the cached model on an endpoint update; setting it again',
      fields,
    );
    await deps.runpod.setModelReferences(
      apiKey,
      { ...specOf(endpoint, doc.deployment_id, doc.template_id), id: endpointId },
      [reference],
    );
  } catch (e) {
    // The update itself went through; the cache only makes the next cold start cheaper, so a
    // failed check is logged rather than failing the pause, resume, settle or failover.
    if (!isAppError(e)) throw e;
    deps.log.warn('could not check the cached model after an endpoint update', {
      ...fields,
      code: e.code,
    });
  }
  return endpoint;
}

/** The configuration an endpoint has now (as REST answered it), as a full spec for `saveEndpoint`. */
function specOf(e: RunPodEndpoint, deploymentId: string, templateId: string): RunPodEndpointSpec {
  return {
    name: e.name || runpodResourceName(deploymentId),
    templateId,
    pools: e.pools,
    workersMin: e.workersMin,
    workersMax: e.workersMax,
    idleTimeoutS: e.idleTimeoutS ?? 5,
    flashboot: e.flashboot,
    dataCenterIds: e.dataCenterIds.length > 0 ? e.dataCenterIds : null,
    executionTimeoutMs: e.executionTimeoutMs ?? 600_000,
    minCudaVersion: e.minCudaVersion,
  };
}
