import { AppError, transition, type Deployment } from '@visgate/shared';
import type { Deps } from '../deps';
import { stage } from '../steps/lifecycle';
import { getOwnedDeployment } from './manage-deployments';
import { probeInput } from '../steps/poll/probe-input';
import { enqueuePoll } from '../steps/poll/enqueue-poll';
import { updateEndpointKeepingCache } from '../steps/provision/runpod-model-cache';

export type PauseResumeDeps = Pick<
  Deps,
  'config' | 'store' | 'secrets' | 'runpod' | 'tasks' | 'clock' | 'log'
>;

async function keyOf(deps: Pick<Deps, 'secrets'>, id: string): Promise<string> {
  const apiKey = (await deps.secrets.get(id))?.runpodApiKey;
  if (!apiKey) throw new AppError('CONFLICT', `deployment ${id} has no stored key`);
  return apiKey;
}

/**
 * POST /v1/deployments/{id}/pause: scales the endpoint to zero workers (min = max = 0), which stops
 * every GPU bill while the endpoint and template stay, then records `ready → paused`. Pausing a
 * paused deployment returns it unchanged; any other status is a CONFLICT.
 */
export async function pauseDeployment(
  deps: PauseResumeDeps,
  owner: string,
  id: string,
): Promise<Deployment> {
  const doc = await getOwnedDeployment(deps, owner, id);
  if (doc.status === 'paused') return doc;
  if (doc.status !== 'ready' || !doc.endpoint_id) {
    throw new AppError('CONFLICT', `only a ready deployment can be paused; ${id} is ${doc.status}`);
  }
  await updateEndpointKeepingCache(deps, await keyOf(deps, id), doc, {
    workersMin: 0,
    workersMax: 0,
  });
  const at = deps.clock.now();
  const written = await deps.store.mutate(id, (d) =>
    d.status === 'ready'
      ? {
          ...transition(d, 'paused', at, 'paused by user'),
          workers: { idle: 0, initializing: 0, running: 0, throttled: 0, unhealthy: 0 },
        }
      : null,
  );
  deps.log.info('deployment paused', { deployment_id: id, endpoint_id: doc.endpoint_id });
  return written ?? (await getOwnedDeployment(deps, owner, id));
}

/**
 * POST /v1/deployments/{id}/resume: gives the endpoint its configured workers back and sends one
 * normal-priority probe job, so a worker starts and loads the model even when `workers_min` is 0;
 * the deployment goes `paused → loading` and becomes ready again on the worker's callback or the
 * probe's completion (the poller), exactly as after provisioning. Resuming a loading or ready
 * deployment returns it unchanged; any other status is a CONFLICT.
 */
export async function resumeDeployment(
  deps: PauseResumeDeps,
  owner: string,
  id: string,
): Promise<Deployment> {
  const doc = await getOwnedDeployment(deps, owner, id);
  if (doc.status === 'loading' || doc.status === 'ready') return doc;
  if (doc.status !== 'paused' || !doc.endpoint_id) {
    throw new AppError(
      'CONFLICT',
      `only a paused deployment can be resumed; ${id} is ${doc.status}`,
    );
  }
  const apiKey = await keyOf(deps, id);
  await updateEndpointKeepingCache(deps, apiKey, doc, {
    workersMin: doc.settings.workers_min,
    workersMax: Math.max(1, doc.settings.workers_max),
    idleTimeoutS: doc.settings.idle_timeout_s,
  });
  const probe = await deps.runpod.runJob(apiKey, doc.endpoint_id, probeInput(doc), {
    ttlMs: 600_000,
  });
  const at = deps.clock.now();
  const written = await deps.store.mutate(id, (d) =>
    d.status === 'paused'
      ? {
          ...transition(d, 'loading', at, 'resumed by user'),
          progress: {
            ...stage(d, 'waiting_for_worker', at),
            bytes_done: null,
            bytes_total: null,
            throughput_bytes_per_s: null,
          },
          runtime: {
            ...d.runtime,
            loading_started_at: at.toISOString(),
            throttled_since: null,
            idle_seen_at: null,
            unhealthy_polls: 0,
            probe_job_id: probe.id,
            worker_ready_at: null,
          },
        }
      : null,
  );
  if (!written) return getOwnedDeployment(deps, owner, id);
  deps.log.info('deployment resumed', { deployment_id: id, endpoint_id: doc.endpoint_id });
  // Attempt numbers continue past every poll name already used (the last poll queued one more).
  await enqueuePoll(deps, id, written.runtime.poll_attempt + 2);
  return written;
}
