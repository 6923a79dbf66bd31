import { timingSafeEqual } from 'node:crypto';
import {
  AppError,
  hasInlineOutput,
  isAppError,
  isTerminalJob,
  jobCostUsd,
  jobStatusFromRunPod,
  scrubSecrets,
  summarizeJobOutput,
  type Job,
} from '@visgate/shared';
import type { RunPodJobStatus } from '../../ports';
import type { Deps } from '../../deps';
import { enqueueJobDeliveries, withJobDelivery } from '../deliver-webhook/deliver-job-webhook';
import { ownerHash } from '../../policy/owner';

export type RefreshJobDeps = Pick<
  Deps,
  'config' | 'store' | 'jobs' | 'secrets' | 'runpod' | 'tasks' | 'clock' | 'log'
>;

/** What one re-read of RunPod found: the updated job and, while RunPod keeps it, the full output. */
export interface RefreshedJob {
  job: Job;
  /** The worker's output as RunPod returns it (base64 included); undefined when not read or gone. */
  liveOutput: unknown;
}

/** The per-job token in the URL RunPod calls back (HMAC of the job id with the server pepper). */
export function jobHintToken(pepper: string, jobId: string): string {
  return ownerHash(pepper, `job-hint:${jobId}`);
}

/** The internal URL handed to RunPod as the job's webhook: a hint to re-read `/status`. */
export function jobHintUrl(publicBaseUrl: string, pepper: string, jobId: string): string {
  const base = publicBaseUrl.replace(/\/$/, '');
  return `${base}/internal/job-hints/${jobId}?token=${jobHintToken(pepper, jobId)}`;
}

/** The worker's error (`{"code","message"}`, often as a JSON string) in our shape, scrubbed. */
export function jobError(raw: unknown, fallbackCode: string): { code: string; message: string } {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
  }
  const o = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const code = typeof o.code === 'string' ? o.code : fallbackCode;
  const message =
    typeof o.message === 'string'
      ? o.message
      : typeof value === 'string'
        ? value
        : 'the job ended without an error message';
  return { code: code.slice(0, 64), message: scrubSecrets(message).slice(0, 1000) };
}

/** Applies one RunPod `/status` read to the job. Pure; a terminal job keeps its recorded outcome. */
export function applyRunPodStatus(
  job: Job,
  s: RunPodJobStatus,
  at: Date,
  pricePerHourUsd: number | null,
): Job {
  if (isTerminalJob(job.status)) return job;
  const status = jobStatusFromRunPod(s.status);
  const terminal = isTerminalJob(status);
  const executionMs = s.executionTime ?? null;
  const next: Job = {
    ...job,
    status,
    runpod_status: s.status,
    updated_at: at.toISOString(),
    output: status === 'completed' ? summarizeJobOutput(s.output) : job.output,
    error:
      status === 'failed' || status === 'timed_out'
        ? jobError(s.error, status === 'timed_out' ? 'TIMED_OUT' : 'WORKER_ERROR')
        : status === 'cancelled'
          ? { code: 'CANCELLED', message: 'the job was cancelled' }
          : null,
    timings: {
      queue_s: s.delayTime !== undefined ? s.delayTime / 1000 : job.timings.queue_s,
      execution_s: executionMs !== null ? executionMs / 1000 : job.timings.execution_s,
      completed_at: terminal ? at.toISOString() : null,
    },
    cost: {
      price_per_hour_usd: pricePerHourUsd,
      estimated_usd:
        executionMs !== null && pricePerHourUsd !== null
          ? jobCostUsd(executionMs, pricePerHourUsd)
          : job.cost.estimated_usd,
    },
  };
  return terminal ? withJobDelivery(next, at) : next;
}

/**
 * Re-reads the job on RunPod (with the deployment's stored key) and records what changed; queues
 * the user's webhook when it turns terminal. A job RunPod no longer knows is cancelled with
 * DEPLOYMENT_DELETED when its deployment is gone, else fails as JOB_EXPIRED (its TTL passed).
 * `withOutput` also re-reads a completed job, to return the base64 RunPod still keeps.
 * Throws retryable AppErrors (RunPod unavailable) to the caller.
 */
export async function refreshJob(
  deps: RefreshJobDeps,
  job: Job,
  opts: { withOutput?: boolean } = {},
): Promise<RefreshedJob> {
  const wantsOutput =
    opts.withOutput === true && job.status === 'completed' && hasInlineOutput(job.output);
  if (isTerminalJob(job.status) && !wantsOutput) return { job, liveOutput: undefined };
  const apiKey = (await deps.secrets.get(job.deployment_id))?.runpodApiKey ?? null;
  let s: RunPodJobStatus | null = null;
  if (apiKey !== null) {
    try {
      s = await deps.runpod.jobStatus(apiKey, job.endpoint_id, job.runpod_job_id);
    } catch (e) {
      if (!isAppError(e) || e.code !== 'NOT_FOUND') throw e;
    }
  }
  const at = deps.clock.now();
  if (isTerminalJob(job.status)) {
    return { job, liveOutput: s?.status === 'COMPLETED' ? s.output : undefined };
  }
  let gone: Pick<Job, 'status' | 'error'> | null = null;
  if (s === null) {
    // RunPod does not know the job: its deployment was deleted (the endpoint went with it), or its
    // TTL passed. Without a key and with the deployment still there, nothing can be said yet.
    const deployment = await deps.store.get(job.deployment_id);
    if (!deployment || deployment.status === 'deleting' || deployment.status === 'deleted') {
      gone = {
        status: 'cancelled',
        error: {
          code: 'DEPLOYMENT_DELETED',
          message: 'the deployment was deleted before the job finished',
        },
      };
    } else if (apiKey !== null) {
      gone = {
        status: 'failed',
        error: { code: 'JOB_EXPIRED', message: 'RunPod no longer knows this job (its TTL passed)' },
      };
    } else {
      return { job, liveOutput: undefined };
    }
  }
  const price = job.cost.price_per_hour_usd;
  const written = await deps.jobs.mutate(job.job_id, (j) => {
    if (isTerminalJob(j.status)) return null;
    if (s !== null) {
      const next = applyRunPodStatus(j, s, at, price);
      return next.status === j.status && next.timings.queue_s === j.timings.queue_s ? null : next;
    }
    if (gone === null) return null;
    return withJobDelivery(
      {
        ...j,
        ...gone,
        runpod_status: 'NOT_FOUND',
        timings: { ...j.timings, completed_at: at.toISOString() },
        updated_at: at.toISOString(),
      },
      at,
    );
  });
  const current = written ?? (await deps.jobs.get(job.job_id)) ?? job;
  if (written && isTerminalJob(written.status)) {
    deps.log.info('job finished', { job_id: job.job_id, status: written.status });
    await enqueueJobDeliveries(deps, written);
  }
  return { job: current, liveOutput: s?.status === 'COMPLETED' ? s.output : undefined };
}

/** Schedules the next background re-read of a job (named per attempt, so duplicates collapse). */
export async function enqueueJobPoll(
  deps: Pick<Deps, 'tasks' | 'config'>,
  jobId: string,
  attempt: number,
): Promise<void> {
  const delayMs = Math.min(
    deps.config.POLL_MAX_INTERVAL_MS,
    Math.round(deps.config.POLL_INTERVAL_MS * 1.5 ** Math.max(0, attempt - 1)),
  );
  await deps.tasks.enqueue({
    queue: 'job-poll',
    name: `jobpoll-${jobId}-${attempt}`,
    payload: { job_id: jobId, attempt },
    delayMs,
  });
}

/**
 * pollJob (a Cloud Tasks target): re-reads a running job until it ends, so the stored status, cost
 * and the user's webhook do not depend on RunPod's callback reaching us. Gives up once the job's TTL
 * (default 24 h) has passed; the next read then finds it expired.
 */
export function createPollJob(deps: RefreshJobDeps) {
  return async function pollJob(payload: Record<string, unknown>): Promise<void> {
    const id = String(payload.job_id);
    const attempt = Number(payload.attempt ?? 1);
    const job = await deps.jobs.get(id);
    if (!job || isTerminalJob(job.status)) return;
    const { job: after } = await refreshJob(deps, job);
    if (isTerminalJob(after.status)) return;
    const ttlMs = (job.policy.ttl_s ?? 86_400) * 1000 + 60_000;
    if (deps.clock.now().getTime() - Date.parse(job.created_at) > ttlMs) return;
    await enqueueJobPoll(deps, id, attempt + 1);
  };
}

/**
 * RunPod's own job webhook: unsigned, so it only triggers a re-read of `/status`. The token in the
 * URL must match the job (else 404, like an unknown job); the body is ignored.
 */
export async function onRunPodJobHint(
  deps: RefreshJobDeps,
  id: string,
  token: string | null,
): Promise<void> {
  const expected = Buffer.from(jobHintToken(deps.config.secrets.ownerPepper, id));
  const given = Buffer.from(token ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError('NOT_FOUND', 'no such job');
  }
  const job = await deps.jobs.get(id);
  if (!job) throw new AppError('NOT_FOUND', 'no such job');
  deps.log.debug('runpod job hint', { job_id: id });
  await refreshJob(deps, job);
}
