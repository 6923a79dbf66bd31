import type { Deployment, ErrorCode, WorkerCounts } from '@visgate/shared';
import type { RunPodJobStatus } from '../../ports';
import { nextPools } from '../provision/plan';

export interface PollSettings {
  loadTimeoutMs: number;
  throttleGraceMs: number;
  crashloopUnhealthyPolls: number;
  readyProbeAfterMs: number;
}

export type PollDecision =
  | { kind: 'fail'; code: ErrorCode; message: string }
  | { kind: 'ready' }
  | {
      kind: 'switch-pools';
      pools: string[];
      skipped: { pool: string; reason: string }[];
      runtime: Deployment['runtime'];
    }
  | { kind: 'probe'; runtime: Deployment['runtime'] }
  | { kind: 'wait'; runtime: Deployment['runtime'] };

/**
 * Decides what one poll of a loading deployment does, from the worker counts RunPod reports and the
 * health-probe job's status (if one runs). Pure: no I/O, time passed in.
 */
export function decidePoll(
  doc: Deployment,
  counts: WorkerCounts,
  probe: RunPodJobStatus | null,
  now: Date,
  s: PollSettings,
): PollDecision {
  const nowIso = now.toISOString();
  const since = (iso: string | null): number =>
    iso === null ? 0 : now.getTime() - Date.parse(iso);
  const runtime = { ...doc.runtime };
  const gpu = doc.gpu;

  if (
    doc.runtime.loading_started_at !== null &&
    since(doc.runtime.loading_started_at) > s.loadTimeoutMs
  ) {
    return {
      kind: 'fail',
      code: 'LOAD_TIMEOUT',
      message: `the model was not loaded within ${Math.round(s.loadTimeoutMs / 1000)} s of endpoint creation`,
    };
  }
  if (probe?.status === 'COMPLETED') return { kind: 'ready' };
  if (probe && ['FAILED', 'CANCELLED', 'TIMED_OUT'].includes(probe.status)) {
    return {
      kind: 'fail',
      code: 'WORKER_FAILED',
      message: `the worker could not run a health probe job (${probe.status})`,
    };
  }

  const live = counts.idle + counts.running + counts.initializing;
  // A crash-looping worker alternates between initializing and unhealthy; only a worker that came
  // up (idle or running) clears the count.
  if (counts.idle + counts.running > 0) runtime.unhealthy_polls = 0;
  else if (counts.unhealthy > 0) runtime.unhealthy_polls += 1;
  if (runtime.unhealthy_polls >= s.crashloopUnhealthyPolls) {
    return {
      kind: 'fail',
      code: 'WORKER_CRASHLOOP',
      message: `the worker kept crashing while loading the model (unhealthy on ${runtime.unhealthy_polls} checks without ever becoming ready)`,
    };
  }

  if (counts.throttled > 0 && live === 0) {
    runtime.throttled_since ??= nowIso;
    if (gpu && since(runtime.throttled_since) >= s.throttleGraceMs) {
      const tried = [...gpu.skipped.map((x) => x.pool), ...gpu.active_pools];
      const pools = nextPools(gpu.candidates, tried);
      const skipped = gpu.active_pools.map((pool) => ({
        pool,
        reason: 'no serverless capacity: workers stayed throttled',
      }));
      if (pools.length === 0) {
        return {
          kind: 'fail',
          code: 'NO_CAPACITY',
          message: `no capacity in ${tried.join(', ')}: workers stayed throttled`,
        };
      }
      return {
        kind: 'switch-pools',
        pools,
        skipped,
        runtime: { ...runtime, throttled_since: null },
      };
    }
  } else {
    runtime.throttled_since = null;
  }

  if (counts.idle + counts.running > 0 && doc.runtime.worker_ready_at === null) {
    runtime.idle_seen_at ??= nowIso;
    if (runtime.probe_job_id === null && since(runtime.idle_seen_at) >= s.readyProbeAfterMs) {
      return { kind: 'probe', runtime };
    }
  }
  return { kind: 'wait', runtime };
}
