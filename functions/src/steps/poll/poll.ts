import { isAppError, type WorkerCounts } from '@visgate/shared';
import type { RunPodHealth, RunPodJobStatus, RunPodWorker } from '../../ports';
import type { Deps } from '../../deps';
import { failDeployment, markReady } from '../lifecycle';
import { decidePoll } from './decide';
import { probeInput } from './probe-input';
import { enqueuePoll } from './enqueue-poll';
import { updateEndpointKeepingCache } from '../provision/runpod-model-cache';

export type PollDeps = Pick<
  Deps,
  'config' | 'store' | 'secrets' | 'runpod' | 'bus' | 'tasks' | 'clock' | 'log'
>;

/**
 * The poller (a Cloud Tasks target): reads the endpoint's health and drives `loading` to ready or to
 * a failure with its own code, re-enqueuing itself with backoff. Upstream trouble throws so the
 * queue retries; the worker's own callback usually makes it ready first.
 */
export function createPoll(deps: PollDeps) {
  return async function poll(payload: Record<string, unknown>): Promise<void> {
    const id = String(payload.deployment_id);
    const attempt = Number(payload.attempt ?? 1);
    const doc = await deps.store.get(id);
    if (doc?.status !== 'loading' || !doc.endpoint_id) return;
    if (attempt <= doc.runtime.poll_attempt) return; // an older attempt delivered again
    const apiKey = (await deps.secrets.get(id))?.runpodApiKey;
    if (!apiKey) return;

    let counts: WorkerCounts;
    let placedOn: string[] = [];
    let probe: RunPodJobStatus | null = null;
    try {
      const [health, list] = await Promise.all([
        deps.runpod.health(apiKey, doc.endpoint_id),
        deps.runpod.listWorkers(apiKey, doc.endpoint_id),
      ]);
      counts = mergeWorkerViews(health, list);
      placedOn = [...new Set(list.map((w) => w.gpuTypeId).filter((g): g is string => g !== null))];
      if (doc.runtime.probe_job_id)
        probe = await deps.runpod.jobStatus(apiKey, doc.endpoint_id, doc.runtime.probe_job_id);
    } catch (e) {
      if (isAppError(e) && e.onStep === 'fail') {
        const message =
          e.code === 'NOT_FOUND' ? 'the RunPod endpoint disappeared while loading' : e.message;
        await failDeployment(deps, id, ['loading'], {
          code: e.code === 'NOT_FOUND' ? 'WORKER_FAILED' : e.code,
          message,
          step: 'poll',
        });
        return;
      }
      throw e;
    }

    const now = deps.clock.now();
    const decision = decidePoll(doc, counts, probe, now, {
      loadTimeoutMs: deps.config.LOAD_TIMEOUT_S * 1000,
      throttleGraceMs: deps.config.THROTTLE_GRACE_S * 1000,
      crashloopUnhealthyPolls: deps.config.CRASHLOOP_UNHEALTHY_POLLS,
      readyProbeAfterMs: deps.config.READY_PROBE_AFTER_S * 1000,
    });

    deps.log.debug('poll', {
      deployment_id: id,
      attempt,
      workers: counts,
      decision: decision.kind,
    });
    switch (decision.kind) {
      case 'fail':
        await failDeployment(deps, id, ['loading'], {
          code: decision.code,
          message: decision.message,
          step: 'poll',
        });
        return;
      case 'ready':
        await markReady(deps, id, {
          source: 'probe',
          workerId: null,
          fetchS: null,
          loadS: null,
          warmupS: null,
          peakVramBytes: null,
        });
        return;
      case 'switch-pools': {
        await updateEndpointKeepingCache(deps, apiKey, doc, { pools: decision.pools });
        deps.log.info('switched to fallback pools', { deployment_id: id, pools: decision.pools });
        await record(deps, id, attempt, counts, (d) => ({
          ...d,
          runtime: decision.runtime,
          gpu: d.gpu && {
            ...d.gpu,
            active_pools: decision.pools,
            skipped: [...d.gpu.skipped, ...decision.skipped],
          },
        }));
        break;
      }
      case 'probe': {
        const job = await deps.runpod.runJob(apiKey, doc.endpoint_id, probeInput(doc), {
          lowPriority: true,
          ttlMs: 600_000,
        });
        await record(deps, id, attempt, counts, (d) => ({
          ...d,
          runtime: { ...decision.runtime, probe_job_id: job.id },
        }));
        break;
      }
      case 'wait':
        await record(deps, id, attempt, counts, (d) => ({
          ...d,
          runtime: decision.runtime,
          gpu: d.gpu && placedOn.length > 0 ? { ...d.gpu, placed_on: placedOn } : d.gpu,
        }));
        break;
    }
    await enqueuePoll(deps, id, attempt + 1);
  };
}

async function record(
  deps: PollDeps,
  id: string,
  attempt: number,
  counts: WorkerCounts,
  patch: (d: import('@visgate/shared').Deployment) => import('@visgate/shared').Deployment,
): Promise<void> {
  const at = deps.clock.now().toISOString();
  await deps.store.mutate(id, (d) => {
    if (d.status !== 'loading') return null;
    const next = patch(d);
    return {
      ...next,
      workers: counts,
      updated_at: at,
      runtime: { ...next.runtime, poll_attempt: attempt },
    };
  });
}

/**
 * Worker counts from the data plane's /health and the management worker list together: each status
 * counts as many workers as the larger of the two views reports (they lag each other by seconds).
 */
export function mergeWorkerViews(
  health: RunPodHealth,
  list: readonly RunPodWorker[],
): WorkerCounts {
  const n = (s: RunPodWorker['status']): number => list.filter((w) => w.status === s).length;
  const h = health.workers;
  return {
    idle: Math.max(h.idle, h.ready - h.running, n('IDLE')),
    initializing: Math.max(h.initializing, n('INITIALIZING')),
    running: Math.max(h.running, n('RUNNING')),
    throttled: Math.max(h.throttled, n('THROTTLED')),
    unhealthy: Math.max(h.unhealthy, n('UNHEALTHY')),
  };
}
