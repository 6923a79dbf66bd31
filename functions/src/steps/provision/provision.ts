import { chooseCacheSource, type CacheChoice } from '../cache-fill/cache-source';
import { planRunPodModelCache, plannedSource } from './runpod-model-cache';
import {
  AppError,
  base32,
  isAppError,
  runpodResourceName,
  transition,
  type Deployment,
} from '@visgate/shared';
import type {
  DeploymentMessage,
  RunPodEndpoint,
  RunPodEndpointSpec,
  RunPodTemplate,
} from '../../ports';
import type { Deps } from '../../deps';
import { CLOSING_STATUSES, failDeployment, isPast, stage } from '../lifecycle';
import { releaseRunPodResources } from '../teardown/teardown';
import { workerDiskGb, workerEnv } from './worker-env';

export type ProvisionDeps = Pick<
  Deps,
  'config' | 'store' | 'secrets' | 'runpod' | 'bus' | 'tasks' | 'clock' | 'log' | 'random'
>;

/** The URL a deployment's worker posts its events to. */
export function eventsUrl(publicBaseUrl: string, id: string): string {
  return `${publicBaseUrl.replace(/\/$/, '')}/internal/worker-events/${id}`;
}

/**
 * Step 3: creates (or adopts, after a crash) the template and endpoint on the user's RunPod account,
 * named from the deployment id, then starts polling. A capacity refusal moves on to the next
 * candidate pools; a deployment deleted meanwhile gets its fresh resources removed again.
 */
export function createProvision(deps: ProvisionDeps) {
  return async function provision(msg: DeploymentMessage): Promise<void> {
    const id = msg.deployment_id;
    const doc = await deps.store.get(id);
    if (!doc) return;
    if (isPast(doc, 'provisioning')) {
      if (doc.status === 'loading') await enqueuePoll(deps, id, doc.runtime.poll_attempt + 1);
      return;
    }
    if (doc.status !== 'provisioning' || !doc.gpu) return;
    // One attempt at a time owns the side effects (RunPod names are not unique, so two concurrent
    // attempts would each create an endpoint). A crashed owner's lease expires and the next attempt
    // adopts what it made.
    const leaseMs = deps.config.PROVISION_LEASE_S * 1000;
    const now = deps.clock.now();
    const leased = await deps.store.mutate(id, (d) => {
      const until = d.runtime.provision_lease_until;
      if (d.status !== 'provisioning' || (until !== null && Date.parse(until) > now.getTime()))
        return null;
      return {
        ...d,
        runtime: {
          ...d.runtime,
          provision_lease_until: new Date(now.getTime() + leaseMs).toISOString(),
          provision_attempts: d.runtime.provision_attempts + 1,
        },
      };
    });
    if (!leased) {
      const current = await deps.store.get(id);
      if (current?.status === 'provisioning')
        throw new AppError('CONFLICT', 'another provision attempt is running', { retryable: true });
      if (current?.status === 'loading')
        await enqueuePoll(deps, id, current.runtime.poll_attempt + 1);
      return;
    }
    const secrets = await deps.secrets.get(id);
    const apiKey = secrets?.runpodApiKey;
    if (!apiKey) {
      await failDeployment(deps, id, ['provisioning'], {
        code: 'RUNPOD_AUTH',
        message: 'the RunPod key is no longer available',
        step: 'provision',
      });
      return;
    }
    let eventsToken = secrets.eventsToken;
    if (!eventsToken) {
      eventsToken = base32(deps.random(32));
      await deps.secrets.patch(id, { eventsToken });
    }

    let cache: CacheChoice | null;
    try {
      cache = await chooseCacheSource(deps, doc, secrets);
    } catch (e) {
      if (isAppError(e) && e.code === 'CACHE_ACCESS_DENIED') {
        await failDeployment(deps, id, ['provisioning'], {
          code: e.code,
          message: e.message,
          step: 'provision',
        });
        return;
      }
      throw e;
    }
    if (cache) {
      const source = cache.source;
      await deps.store.mutate(id, (d) =>
        d.status === 'provisioning' ? { ...d, progress: { ...d.progress, source } } : null,
      );
    }
    const modelCache = planRunPodModelCache(deps.config, doc, cache?.hit ?? false);
    let runpodCache: 'set' | { refused: string } | null = null;

    let template: RunPodTemplate;
    let endpoint: RunPodEndpoint;
    const skipped: { pool: string; reason: string }[] = [];
    let pools = doc.gpu.active_pools;
    try {
      // The first attempt cannot have left anything behind, so it skips the two lookups.
      const mayExist = leased.runtime.provision_attempts > 1;
      template = await adoptOrCreateTemplate(
        deps,
        apiKey,
        doc,
        eventsToken,
        secrets.hfToken,
        mayExist,
        cache?.sources ?? [],
      );
      const name = runpodResourceName(id);
      const existing = mayExist
        ? (await deps.runpod.listEndpoints(apiKey)).find((e) => e.name === name)
        : undefined;
      if (existing) {
        endpoint = existing;
      } else {
        for (;;) {
          try {
            // With a cached model the endpoint starts at 0 workers, so the first worker is
            // placed only once RunPod knows the model to cache.
            const spec = endpointSpec(deps, doc, name, template.id, pools);
            endpoint = await deps.runpod.createEndpoint(
              apiKey,
              modelCache.use ? { ...spec, workersMin: 0 } : spec,
            );
            break;
          } catch (e) {
            if (!isAppError(e) || e.code !== 'NO_CAPACITY') throw e;
            const refused = pools[0] ?? '?';
            skipped.push({ pool: refused, reason: `RunPod refused placement: ${e.message}` });
            pools = nextPools(
              doc.gpu.candidates,
              [...doc.gpu.skipped, ...skipped].map((s) => s.pool),
            );
            if (pools.length === 0) throw e;
          }
        }
      }
      const spec = endpointSpec(deps, doc, name, template.id, pools);
      if (modelCache.use) {
        // runpodctl's order (cmd/serverless/update.go): REST changes first, the cached models last,
        // in one `saveEndpoint` carrying the whole configuration, which also raises the minimum
        // workers and so starts the first worker once RunPod knows what to cache. No REST call
        // follows, so nothing can drop the reference afterwards.
        runpodCache = await setModelCache(
          deps,
          apiKey,
          id,
          endpoint.id,
          spec,
          modelCache.reference,
        );
      }
      if (runpodCache !== 'set' && endpoint.workersMin < spec.workersMin) {
        // Created at 0 workers for the cache (refused), or an adopted endpoint: start the worker.
        const { name: _n, templateId: _t, ...patch } = spec;
        endpoint = await deps.runpod.updateEndpoint(apiKey, endpoint.id, patch);
      }
    } catch (e) {
      if (isAppError(e) && !e.retryable) {
        await failDeployment(deps, id, ['provisioning'], {
          code: e.code,
          message: e.message,
          step: 'provision',
        });
        return;
      }
      // Let the redelivered message take over at once; it looks up what this attempt may have made.
      await deps.store.mutate(id, (d) =>
        d.status === 'provisioning'
          ? { ...d, runtime: { ...d.runtime, provision_lease_until: null } }
          : null,
      );
      throw e;
    }

    const at = deps.clock.now();
    const written = await deps.store.mutate(id, (d) => {
      if (d.status !== 'provisioning' || !d.gpu) return null;
      return {
        ...transition(d, 'loading', at),
        endpoint_id: endpoint.id,
        template_id: template.id,
        endpoint_url: endpoint.runUrl,
        gpu: { ...d.gpu, active_pools: pools, skipped: [...d.gpu.skipped, ...skipped] },
        timings: { ...d.timings, provisioned_at: at.toISOString() },
        runtime: {
          ...d.runtime,
          loading_started_at: at.toISOString(),
          poll_attempt: 0,
          provision_lease_until: null,
          runpod_model_reference:
            runpodCache === 'set' && modelCache.use ? modelCache.reference : null,
        },
        progress: {
          ...stage(d, 'waiting_for_worker', at),
          source: plannedSource(cache, runpodCache) ?? d.progress.source,
        },
      };
    });
    if (!written) {
      await resolveLostRace(deps, apiKey, id, endpoint, template);
      return;
    }
    deps.log.info('endpoint created', { deployment_id: id, endpoint_id: endpoint.id, pools });
    await enqueuePoll(deps, id, 1);
  };
}

/**
 * The endpoint as the deployment asks for it. It starts at least one worker so the model loads
 * now ("ready" means weights in VRAM); the settle step restores the user's minimum afterwards.
 */
function endpointSpec(
  deps: ProvisionDeps,
  doc: Deployment,
  name: string,
  templateId: string,
  pools: string[],
): RunPodEndpointSpec {
  return {
    name,
    templateId,
    pools,
    workersMin: Math.max(1, doc.settings.workers_min),
    workersMax: Math.max(1, doc.settings.workers_max),
    idleTimeoutS: doc.settings.idle_timeout_s,
    flashboot: doc.settings.flashboot,
    dataCenterIds: doc.settings.data_centers,
    executionTimeoutMs: deps.config.EXECUTION_TIMEOUT_S * 1000,
    minCudaVersion: deps.config.WORKER_MIN_CUDA_VERSION || null,
  };
}

/**
 * Sets the cached model on the endpoint. A transient failure throws (the redelivered message
 * adopts the endpoint and tries again); a refusal is recorded and the worker downloads from the
 * Hub instead, since the cache only makes the start faster and cheaper.
 */
async function setModelCache(
  deps: ProvisionDeps,
  apiKey: string,
  id: string,
  endpointId: string,
  spec: RunPodEndpointSpec,
  reference: string,
): Promise<'set' | { refused: string }> {
  try {
    const stored = await deps.runpod.setModelReferences(apiKey, { ...spec, id: endpointId }, [
      reference,
    ]);
    if (stored.includes(reference)) return 'set';
    return { refused: 'RunPod did not keep the model reference' };
  } catch (e) {
    if (!isAppError(e) || e.retryable) throw e;
    deps.log.warn('RunPod cached model not set; the worker downloads from the Hub', {
      deployment_id: id,
      endpoint_id: endpointId,
      code: e.code,
      error: e.message,
    });
    return { refused: e.message.slice(0, 300) };
  }
}

/** Candidates not yet refused, in order, at most three (RunPod's limit). */
export function nextPools(candidates: readonly string[], refused: readonly string[]): string[] {
  return candidates.filter((p) => !refused.includes(p)).slice(0, 3);
}

async function adoptOrCreateTemplate(
  deps: ProvisionDeps,
  apiKey: string,
  doc: Deployment,
  eventsToken: string,
  hfToken: string | null,
  mayExist: boolean,
  cacheSources: readonly Record<string, unknown>[],
): Promise<RunPodTemplate> {
  const name = runpodResourceName(doc.deployment_id);
  if (mayExist) {
    const existing = (await deps.runpod.listTemplates(apiKey)).find((t) => t.name === name);
    if (existing) return existing;
  }
  return deps.runpod.createTemplate(apiKey, {
    name,
    image: deps.config.WORKER_IMAGE,
    diskGb: workerDiskGb(doc, deps.config.WORKER_MIN_DISK_GB),
    env: workerEnv(doc, {
      eventsUrl: eventsUrl(deps.config.PUBLIC_BASE_URL, doc.deployment_id),
      eventsToken,
      hfToken,
      cacheSources,
    }),
  });
}

/** Schedules poll attempt `attempt`; the task name dedupes duplicate schedulers of the same attempt. */
export async function enqueuePoll(
  deps: Pick<Deps, 'tasks' | 'config'>,
  id: string,
  attempt: number,
): Promise<void> {
  const base = deps.config.POLL_INTERVAL_MS;
  const delayMs = Math.min(
    deps.config.POLL_MAX_INTERVAL_MS,
    Math.round(base * 1.25 ** Math.max(0, attempt - 1)),
  );
  await deps.tasks.enqueue({
    queue: 'deployment-poll',
    name: `poll-${id}-${attempt}`,
    payload: { deployment_id: id, attempt },
    delayMs,
  });
}

/**
 * Our commit found the deployment no longer `provisioning`. If it is going away (deleted, failed),
 * the teardown may have looked before our create landed, so remove everything under its name. If
 * another attempt got there first (our lease had expired), remove only what we made and it did not
 * adopt. If that attempt has not committed yet, retry later rather than guess.
 */
async function resolveLostRace(
  deps: ProvisionDeps,
  apiKey: string,
  id: string,
  endpoint: RunPodEndpoint,
  template: RunPodTemplate,
): Promise<void> {
  const doc = await deps.store.get(id);
  if (!doc) return;
  if (doc.status === 'provisioning') {
    throw new AppError('CONFLICT', 'a newer provision attempt has not committed yet', {
      retryable: true,
    });
  }
  if (CLOSING_STATUSES.includes(doc.status)) {
    deps.log.warn('deployment changed during provisioning; releasing fresh resources', {
      deployment_id: id,
    });
    await releaseRunPodResources(deps.runpod, apiKey, id, {
      endpointId: endpoint.id,
      templateId: template.id,
    });
    return;
  }
  deps.log.warn("another provision attempt won; removing this attempt's duplicates", {
    deployment_id: id,
  });
  if (doc.endpoint_id !== endpoint.id) {
    await deps.runpod
      .updateEndpoint(apiKey, endpoint.id, { workersMin: 0, workersMax: 0 })
      .catch(ignoreGone);
    await deps.runpod.deleteEndpoint(apiKey, endpoint.id).catch(ignoreGone);
  }
  if (doc.template_id !== template.id)
    await deps.runpod.deleteTemplate(apiKey, template.id).catch(ignoreGone);
}

function ignoreGone(e: unknown): void {
  if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
}
