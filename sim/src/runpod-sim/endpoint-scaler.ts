import { findPool } from './gpu-catalog';
import type { JobRecord } from './sim-types';
import type { EndpointState, SimWorld, WorkerState } from './sim-world';
import { randomId } from './sim-world';
import { adapterCacheOf, jobOutput } from './job-output';
import { notifyJobWebhook } from './job-webhook';
import { runRealJob, stopRealWorker } from './real-worker';
import { startWorker } from './worker-lifecycle';

/**
 * Scaling, placement and job dispatch. An endpoint wants `max(workers.min, queued + running jobs)`
 * workers capped by `workers.max` (low-priority jobs don't count). A new worker takes the first pool
 * of `gpu.pools` with a free GPU, else waits THROTTLED; idle workers above the wanted count leave
 * after the idle timeout (scaled by `idleTimeoutScale`).
 */

/** Free GPUs in `pool` across every account: capacity minus placed workers (Infinity = unlimited). */
export function freeGpus(world: SimWorld, pool: string): number {
  const capacity = world.options.capacity[pool];
  if (capacity === undefined) return Infinity;
  let used = 0;
  for (const account of world.accounts.values()) {
    for (const endpoint of account.endpoints.values()) {
      for (const w of endpoint.workers.values()) {
        if (w.rec.pool === pool) used += endpoint.rec.gpu.count;
      }
    }
  }
  return capacity - used;
}

/** Brings the endpoint's worker set in line with what it wants, then dispatches queued jobs. */
export function reconcile(world: SimWorld, endpoint: EndpointState): void {
  if (endpoint.deleted) return;
  const { min, max } = endpoint.rec.workers;
  const jobs = [...endpoint.jobs.values()];
  const demand = jobs.filter(
    (j) => j.status === 'IN_PROGRESS' || (j.status === 'IN_QUEUE' && !j.lowPriority),
  ).length;
  const wanted = Math.min(max, Math.max(min, demand));
  const workers = () => [...endpoint.workers.values()];

  while (endpoint.workers.size < wanted) addWorker(world, endpoint);
  // Over the wanted count: unplaced workers go at once, and anything but a RUNNING one above max.
  for (const w of workers().filter((x) => x.rec.status === 'THROTTLED')) {
    if (endpoint.workers.size > wanted) removeWorker(world, endpoint, w);
  }
  const order = ['UNHEALTHY', 'INITIALIZING', 'IDLE'];
  for (const status of order) {
    for (const w of workers().filter((x) => x.rec.status === status)) {
      if (endpoint.workers.size > max) removeWorker(world, endpoint, w);
    }
  }
  for (const w of workers().filter((x) => x.rec.status === 'THROTTLED')) place(world, endpoint, w);
  dispatch(world, endpoint);
  scheduleIdleCheck(world, endpoint, wanted);
}

/** Re-places THROTTLED workers of every endpoint (capacity changed or a GPU was freed). */
export function reconcileAll(world: SimWorld): void {
  for (const account of world.accounts.values()) {
    for (const endpoint of account.endpoints.values()) reconcile(world, endpoint);
  }
}

/** Stops every worker and timer of the endpoint; its jobs stay readable until it is forgotten. */
export function teardownEndpoint(world: SimWorld, endpoint: EndpointState): void {
  endpoint.deleted = true;
  for (const w of [...endpoint.workers.values()]) removeWorker(world, endpoint, w);
  endpoint.scope.clear();
  reconcileAll(world);
}

function addWorker(world: SimWorld, endpoint: EndpointState): void {
  const worker: WorkerState = {
    rec: {
      id: randomId(14),
      endpointId: endpoint.rec.id,
      status: 'THROTTLED',
      pool: null,
      gpuTypeId: null,
      dataCenterId: null,
      startedAt: null,
      idleSince: null,
      restarts: 0,
      jobId: null,
      delivered: [],
      pid: null,
    },
    scope: endpoint.scope.child(),
    jobScope: null,
    abort: new AbortController(),
    chain: Promise.resolve(),
    removed: false,
    proc: null,
  };
  endpoint.workers.set(worker.rec.id, worker);
  place(world, endpoint, worker);
  world.changed();
}

function place(world: SimWorld, endpoint: EndpointState, worker: WorkerState): void {
  const { pools, excludedTypes = [], count } = endpoint.rec.gpu;
  for (const poolId of pools) {
    const card = findPool(poolId)?.cards.find((c) => !excludedTypes.includes(c.id));
    if (!card || freeGpus(world, poolId) < count) continue;
    worker.rec.pool = poolId;
    worker.rec.gpuTypeId = card.id;
    worker.rec.dataCenterId = endpoint.rec.dataCenterIds[0] ?? 'EU-RO-1';
    startWorker(world, endpoint, worker, () => {
      reconcile(world, endpoint);
    });
    return;
  }
}

function removeWorker(world: SimWorld, endpoint: EndpointState, worker: WorkerState): void {
  worker.removed = true;
  worker.scope.clear();
  worker.abort.abort();
  stopRealWorker(worker);
  endpoint.workers.delete(worker.rec.id);
  world.changed();
}

/** Hands queued jobs, oldest first, to IDLE workers. */
function dispatch(world: SimWorld, endpoint: EndpointState): void {
  for (const worker of endpoint.workers.values()) {
    if (worker.rec.status !== 'IDLE') continue;
    const jobId = endpoint.queue.shift();
    if (jobId === undefined) return;
    const job = endpoint.jobs.get(jobId);
    if (job) runJob(world, endpoint, worker, job);
  }
}

function runJob(world: SimWorld, endpoint: EndpointState, worker: WorkerState, job: JobRecord) {
  worker.rec.status = 'RUNNING';
  worker.rec.jobId = job.id;
  worker.rec.idleSince = null;
  job.status = 'IN_PROGRESS';
  job.startedAtMs = Date.now();
  job.workerId = worker.rec.id;
  world.changed();
  const timeoutMs = job.executionTimeoutMs ?? endpoint.rec.timeout;
  const timedOut = world.options.jobMs > timeoutMs;
  worker.jobScope = worker.scope.child();
  if (worker.proc) {
    // The real worker runs it; the execution timeout still ends it (docs serverless/endpoints/
    // send-requests.mdx "Execution policies"), and a late answer is ignored.
    worker.jobScope.after(timeoutMs, () => {
      finishJob(world, endpoint, job, 'TIMED_OUT');
    });
    runRealJob(worker, job, (result) => {
      if (job.status === 'IN_PROGRESS') finishJob(world, endpoint, job, 'COMPLETED', result);
    });
    return;
  }
  worker.jobScope.after(timedOut ? timeoutMs : world.options.jobMs, () => {
    finishJob(world, endpoint, job, timedOut ? 'TIMED_OUT' : 'COMPLETED');
  });
}

/**
 * Ends a job (also used by cancel) and frees its worker. A COMPLETED job takes `result` (what a
 * real worker returned) or the played worker's output.
 */
export function finishJob(
  world: SimWorld,
  endpoint: EndpointState,
  job: JobRecord,
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT',
  given?: { output: unknown } | { error: string },
): void {
  const worker = job.workerId ? endpoint.workers.get(job.workerId) : undefined;
  endpoint.queue = endpoint.queue.filter((id) => id !== job.id);
  job.finishedAtMs = Date.now();
  if (status === 'COMPLETED') {
    const result =
      given ??
      (world.options.jobError === null
        ? jobOutput(job.input, world.options.jobMs, endpoint.rec.env, adapterCacheOf(endpoint))
        : { error: world.options.jobError });
    if ('error' in result) {
      job.status = 'FAILED';
      job.error = result.error;
    } else {
      job.status = 'COMPLETED';
      job.output = result.output;
    }
  } else {
    job.status = status;
    if (status === 'TIMED_OUT') job.error = 'job timed out';
  }
  if (job.status === 'COMPLETED') endpoint.rec.jobStats.completed += 1;
  if (job.status === 'FAILED' || job.status === 'TIMED_OUT') endpoint.rec.jobStats.failed += 1;
  if (worker?.rec.jobId === job.id) {
    worker.jobScope?.clear();
    worker.jobScope = null;
    worker.rec.jobId = null;
    // A real worker whose process died is UNHEALTHY, not free.
    if (worker.rec.status === 'RUNNING') {
      worker.rec.status = 'IDLE';
      worker.rec.idleSince = Date.now();
    }
  }
  world.changed();
  notifyJobWebhook(world, job);
  // RunPod keeps a result 30 min after an async job ends and 1 min after a sync one (docs
  // serverless/endpoints/send-requests.mdx "Result retention"); then /status answers 404.
  const { runResultRetentionMs, runSyncResultRetentionMs } = world.options;
  endpoint.scope.after(job.sync ? runSyncResultRetentionMs : runResultRetentionMs, () => {
    endpoint.jobs.delete(job.id);
    world.changed();
  });
  reconcile(world, endpoint);
}

function scheduleIdleCheck(world: SimWorld, endpoint: EndpointState, wanted: number): void {
  endpoint.idleCheck?.clear();
  endpoint.idleCheck = null;
  const scale = world.options.idleTimeoutScale;
  if (scale <= 0 || endpoint.workers.size <= wanted) return;
  const idleMs = endpoint.rec.workers.idleTimeout * scale;
  const idle = [...endpoint.workers.values()]
    .filter((w) => w.rec.status === 'IDLE' && w.rec.idleSince !== null)
    .sort((a, b) => (a.rec.idleSince ?? 0) - (b.rec.idleSince ?? 0));
  const now = Date.now();
  let excess = endpoint.workers.size - wanted;
  for (const w of idle) {
    if (excess <= 0) break;
    if (now - (w.rec.idleSince ?? now) < idleMs) continue;
    removeWorker(world, endpoint, w);
    excess -= 1;
  }
  const next = idle.find((w) => !w.removed);
  if (excess <= 0 || !next) return;
  endpoint.idleCheck = endpoint.scope.child();
  const dueIn = Math.max(0, (next.rec.idleSince ?? now) + idleMs - now);
  endpoint.idleCheck.after(dueIn, () => {
    reconcileAll(world);
  });
}
