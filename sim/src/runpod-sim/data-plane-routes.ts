import { finishJob, reconcile } from './endpoint-scaler';
import type { JobRecord } from './sim-types';
import type { EndpointState } from './sim-world';
import { randomJobId } from './sim-world';
import { healthBody } from './render-bodies';
import { problem, type RouteContext, type RouteResult, type SimRoute } from './sim-route';

/** The endpoint data plane (api.runpod.ai/v2/{endpointId}/…) of QUEUE endpoints. */
export const DATA_PLANE_ROUTES: SimRoute[] = [
  { method: 'GET', template: '/v2/{endpointId}/health', plane: 'data', handle: health },
  { method: 'POST', template: '/v2/{endpointId}/run', plane: 'data', handle: run },
  { method: 'POST', template: '/v2/{endpointId}/runsync', plane: 'data', handle: runSync },
  { method: 'GET', template: '/v2/{endpointId}/status/{jobId}', plane: 'data', handle: status },
  { method: 'POST', template: '/v2/{endpointId}/cancel/{jobId}', plane: 'data', handle: cancel },
  // RunPod's own client calls it (runpod-python runpod/endpoint/runner.py Endpoint.purge_queue).
  { method: 'POST', template: '/v2/{endpointId}/purge-queue', plane: 'data', handle: purgeQueue },
];

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);
const MAX_RUNSYNC_WAIT_MS = 300_000;

function health(ctx: RouteContext): RouteResult {
  const endpoint = queueEndpoint(ctx);
  return endpoint ? { status: 200, body: healthBody(endpoint) } : notFound();
}

function run(ctx: RouteContext): RouteResult {
  const endpoint = queueEndpoint(ctx);
  if (!endpoint) return notFound();
  const queued = enqueue(ctx, endpoint, false);
  if ('rejected' in queued) return queued.rejected;
  return { status: 200, body: { id: queued.job.id, status: queued.job.status } };
}

async function runSync(ctx: RouteContext): Promise<RouteResult> {
  const endpoint = queueEndpoint(ctx);
  if (!endpoint) return notFound();
  const queued = enqueue(ctx, endpoint, true);
  if ('rejected' in queued) return queued.rejected;
  const created = queued.job;
  const waitMs = Math.min(MAX_RUNSYNC_WAIT_MS, Number(ctx.query.get('wait') ?? 90_000) || 90_000);
  await new Promise<void>((resolve) => {
    const scope = endpoint.scope.child();
    const stop = ctx.world.subscribe(() => {
      if (TERMINAL.has(created.status)) done();
    });
    function done() {
      stop();
      scope.clear();
      resolve();
    }
    scope.after(waitMs, done);
    if (TERMINAL.has(created.status)) done();
  });
  return { status: 200, body: statusBody(created) };
}

function status(ctx: RouteContext): RouteResult {
  const endpoint = queueEndpoint(ctx);
  const job = endpoint?.jobs.get(ctx.params.jobId ?? '');
  return job ? { status: 200, body: statusBody(job) } : problem(404, 'job not found');
}

function cancel(ctx: RouteContext): RouteResult {
  const endpoint = queueEndpoint(ctx);
  const job = endpoint?.jobs.get(ctx.params.jobId ?? '');
  if (!endpoint || !job) return problem(404, 'job not found');
  if (!TERMINAL.has(job.status)) finishJob(ctx.world, endpoint, job, 'CANCELLED');
  return { status: 200, body: { id: job.id, status: job.status } };
}

/**
 * Drops every job still IN_QUEUE; running jobs go on (docs serverless/endpoints/
 * operation-reference.mdx "/purge-queue": `{"removed": n, "status": "completed"}`).
 */
function purgeQueue(ctx: RouteContext): RouteResult {
  const endpoint = queueEndpoint(ctx);
  if (!endpoint) return notFound();
  const removed = endpoint.queue.length;
  for (const id of endpoint.queue) endpoint.jobs.delete(id);
  endpoint.queue = [];
  ctx.world.changed();
  reconcile(ctx.world, endpoint);
  return { status: 200, body: { removed, status: 'completed' } };
}

function enqueue(
  ctx: RouteContext,
  endpoint: EndpointState,
  sync: boolean,
): { job: JobRecord } | { rejected: RouteResult } {
  const body = ctx.body as Record<string, unknown> | undefined;
  const input = body?.input;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { rejected: problem(400, 'input must be a JSON object') };
  }
  const policy = (body?.policy ?? {}) as Record<string, unknown>;
  const job: JobRecord = {
    id: randomJobId(),
    status: 'IN_QUEUE',
    input: input as Record<string, unknown>,
    lowPriority: policy.lowPriority === true,
    sync,
    executionTimeoutMs:
      typeof policy.executionTimeout === 'number' ? policy.executionTimeout : null,
    webhook: typeof body?.webhook === 'string' ? body.webhook : null,
    createdAtMs: Date.now(),
    startedAtMs: null,
    finishedAtMs: null,
    workerId: null,
  };
  endpoint.jobs.set(job.id, job);
  endpoint.queue.push(job.id);
  ctx.world.changed();
  reconcile(ctx.world, endpoint);
  return { job };
}

/** RunPod's `/status` body: output on success, error otherwise, times in ms. */
function statusBody(job: JobRecord): Record<string, unknown> {
  const now = Date.now();
  const body: Record<string, unknown> = {
    id: job.id,
    status: job.status,
    delayTime: (job.startedAtMs ?? job.finishedAtMs ?? now) - job.createdAtMs,
  };
  if (job.startedAtMs !== null) body.executionTime = (job.finishedAtMs ?? now) - job.startedAtMs;
  if (job.workerId !== null) body.workerId = job.workerId;
  if (job.output !== undefined) body.output = job.output;
  if (job.error !== undefined) body.error = job.error;
  return body;
}

function queueEndpoint({ account, params }: RouteContext): EndpointState | undefined {
  const endpoint = account.endpoints.get(params.endpointId ?? '');
  return endpoint?.rec.type === 'QUEUE' ? endpoint : undefined;
}

function notFound(): RouteResult {
  return problem(404, 'endpoint not found');
}
