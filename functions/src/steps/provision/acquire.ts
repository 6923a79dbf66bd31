import { isAppError, type SkippedPool } from '@visgate/shared';
import type {
  Logger,
  RunPodApi,
  RunPodEndpoint,
  RunPodEndpointSpec,
  RunPodTemplate,
  RunPodTemplateSpec,
} from '../../ports';
import { nextPools } from './plan';

/** Whether RunPod's model cache was set on the endpoint; null when it was not asked for. */
export type RunPodCacheOutcome = 'set' | { refused: string } | null;

export type Acquisition =
  | {
      kind: 'acquired';
      template: RunPodTemplate;
      endpoint: RunPodEndpoint;
      /** The pools the endpoint ended up on (after any refusals). */
      pools: string[];
      refusals: SkippedPool[];
      runpodCache: RunPodCacheOutcome;
    }
  | {
      /** RunPod refused placement on every candidate pool: nothing is left to try. */
      kind: 'no-capacity';
      template: RunPodTemplate;
      refusals: SkippedPool[];
    };

export interface AcquireInput {
  apiKey: string;
  deploymentId: string;
  template: RunPodTemplateSpec;
  /** An earlier attempt may have made the template or endpoint: look them up by name first. */
  mayExist: boolean;
  /** The endpoint for a template on some pools. */
  endpoint: (templateId: string, pools: string[]) => RunPodEndpointSpec;
  /** Pools to ask for first (RunPod takes at most three). */
  pools: string[];
  /** Every candidate, in order, for failover when RunPod refuses placement. */
  candidates: readonly string[];
  /** Pools refused before this attempt (GPU selection skipped them). */
  refusedBefore: readonly string[];
  /** The Hugging Face model RunPod should cache on its hosts, or null. */
  modelReference: string | null;
}

/**
 * Makes (or adopts, after a crash) the template and endpoint on the user's RunPod account. A
 * capacity refusal moves on to the next candidate pools; when none is left the outcome says so
 * instead of throwing, since redelivering would only ask the same pools again. Other errors throw.
 */
export async function acquire(
  runpod: RunPodApi,
  log: Logger,
  input: AcquireInput,
): Promise<Acquisition> {
  const { apiKey } = input;
  const template = await adoptOrCreateTemplate(runpod, apiKey, input.template, input.mayExist);
  const refusals: SkippedPool[] = [];
  let pools = input.pools;
  let endpoint = input.mayExist
    ? (await runpod.listEndpoints(apiKey)).find((e) => e.name === input.template.name)
    : undefined;
  while (!endpoint) {
    try {
      // With a cached model the endpoint starts at 0 workers, so the first worker is placed only
      // once RunPod knows the model to cache.
      const spec = input.endpoint(template.id, pools);
      endpoint = await runpod.createEndpoint(
        apiKey,
        input.modelReference ? { ...spec, workersMin: 0 } : spec,
      );
    } catch (e) {
      if (!isAppError(e) || e.code !== 'NO_CAPACITY') throw e;
      refusals.push({ pool: pools[0] ?? '?', reason: `RunPod refused placement: ${e.message}` });
      pools = nextPools(input.candidates, [...input.refusedBefore, ...refusals.map((r) => r.pool)]);
      if (pools.length === 0) return { kind: 'no-capacity', template, refusals };
    }
  }

  const spec = input.endpoint(template.id, pools);
  let runpodCache: RunPodCacheOutcome = null;
  if (input.modelReference) {
    // runpodctl's order (cmd/serverless/update.go): REST changes first, the cached models last, in
    // one `saveEndpoint` carrying the whole configuration, which also raises the minimum workers
    // and so starts the first worker once RunPod knows what to cache. No REST call follows, so
    // nothing can drop the reference afterwards.
    runpodCache = await setModelCache(runpod, log, input, endpoint.id, spec, input.modelReference);
  }
  if (runpodCache !== 'set' && endpoint.workersMin < spec.workersMin) {
    // Created at 0 workers for the cache (refused), or an adopted endpoint: start the worker.
    const { name: _n, templateId: _t, ...patch } = spec;
    endpoint = await runpod.updateEndpoint(apiKey, endpoint.id, patch);
  }
  return { kind: 'acquired', template, endpoint, pools, refusals, runpodCache };
}

async function adoptOrCreateTemplate(
  runpod: RunPodApi,
  apiKey: string,
  spec: RunPodTemplateSpec,
  mayExist: boolean,
): Promise<RunPodTemplate> {
  if (mayExist) {
    const existing = (await runpod.listTemplates(apiKey)).find((t) => t.name === spec.name);
    if (existing) return existing;
  }
  return runpod.createTemplate(apiKey, spec);
}

/**
 * Sets the cached model on the endpoint. A transient failure throws (the redelivered message
 * adopts the endpoint and tries again); a refusal is recorded and the worker downloads from the
 * Hub instead, since the cache only makes the start faster and cheaper.
 */
async function setModelCache(
  runpod: RunPodApi,
  log: Logger,
  input: AcquireInput,
  endpointId: string,
  spec: RunPodEndpointSpec,
  reference: string,
): Promise<'set' | { refused: string }> {
  try {
    const stored = await runpod.setModelReferences(input.apiKey, { ...spec, id: endpointId }, [
      reference,
    ]);
    if (stored.includes(reference)) return 'set';
    return { refused: 'RunPod did not keep the model reference' };
  } catch (e) {
    if (!isAppError(e) || e.retryable) throw e; // transient: the redelivery adopts and retries
    log.warn('RunPod cached model not set; the worker downloads from the Hub', {
      deployment_id: input.deploymentId,
      endpoint_id: endpointId,
      code: e.code,
      error: e.message,
    });
    return { refused: e.message.slice(0, 300) };
  }
}
