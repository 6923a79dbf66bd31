import {
  AppError,
  CreateJobBodySchema,
  JOB_ID_PATTERN,
  base32,
  checkJobForDeployment,
  isAppError,
  isTerminalJob,
  newWebhookSecret,
  storableJobInput,
  type Deployment,
  type Job,
  type JobStatus,
  type JobTarget,
} from '@visgate/shared';
import { rejectWebhookTarget } from '../policy/url-guard';
import type { Deps } from '../deps';
import {
  enqueueJobPoll,
  jobHintUrl,
  refreshJob,
  type RefreshedJob,
} from '../steps/poll-job/poll-job';
import { getOwnedDeployment } from './manage-deployments';
import { issuesToErrors } from './parse-request';

export type JobsDeps = Pick<
  Deps,
  | 'config'
  | 'store'
  | 'jobs'
  | 'secrets'
  | 'runpod'
  | 'tasks'
  | 'clock'
  | 'log'
  | 'random'
  | 'resolveHost'
>;

const notFound = (): AppError => new AppError('NOT_FOUND', 'no such job');

/** The job if the owner may see it; another owner's job is indistinguishable from none. */
export async function getOwnedJob(
  deps: Pick<Deps, 'jobs'>,
  owner: string,
  id: string,
): Promise<Job> {
  if (!JOB_ID_PATTERN.test(id)) throw notFound();
  const job = await deps.jobs.get(id);
  if (job?.owner_hash !== owner) throw notFound();
  return job;
}

/**
 * What a deployment serves, once validation has read its model (its estimate names the family):
 * video for task `text-to-video`, else images; how many adapters it loads itself. The task and
 * `loras` are read as plain fields so documents written before them read as text-to-image, none.
 */
export function jobTarget(deployment: Deployment): JobTarget | null {
  if (deployment.estimate === null) return null;
  const doc = deployment as { task?: unknown; loras?: unknown };
  return {
    video: doc.task === 'text-to-video',
    family: deployment.estimate.family,
    deploymentLoras: Array.isArray(doc.loras) ? doc.loras.length : 0,
  };
}

/**
 * POST /v1/deployments/{id}/jobs: validates the input against the worker's job schema and against
 * what the deployment serves (video or image, its family, its adapters), submits it
 * to the deployment's endpoint (`/run` with the timeout/TTL policy and our internal hint URL as
 * RunPod's webhook), and records the job. A user webhook is signed with the deployment's secret;
 * when the deployment has none yet, one is created and returned here (`webhookSecret`), once.
 */
export async function submitJob(
  deps: JobsDeps,
  owner: string,
  deploymentId: string,
  body: unknown,
): Promise<{ job: Job; webhookSecret: string | null }> {
  const deployment = await getOwnedDeployment(deps, owner, deploymentId);
  const parsed = CreateJobBodySchema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new AppError('VALIDATION_FAILED', 'the job request is invalid', {
      details: { errors: issuesToErrors(parsed.error) },
    });
  }
  const req = parsed.data;
  const target = jobTarget(deployment);
  const misfits = target === null ? [] : checkJobForDeployment(req.input, target);
  if (misfits.length > 0) {
    throw new AppError('VALIDATION_FAILED', 'the job does not fit this deployment', {
      details: { errors: misfits.map((e) => ({ path: `input.${e.path}`, message: e.message })) },
    });
  }
  if (deployment.status !== 'ready' || !deployment.endpoint_id) {
    const hint = deployment.status === 'paused' ? '; resume it first' : '';
    throw new AppError(
      'CONFLICT',
      `deployment ${deploymentId} is ${deployment.status}; jobs run on a ready deployment${hint}`,
    );
  }
  if (req.webhook_url !== undefined) {
    const why = await rejectWebhookTarget(
      req.webhook_url,
      deps.config.WEBHOOK_ALLOW_PRIVATE_HOSTS,
      deps.resolveHost,
    );
    if (why !== null) {
      throw new AppError('WEBHOOK_URL_REJECTED', `webhook_url is not allowed: ${why}`, {
        details: { errors: [{ path: 'webhook_url', message: why }] },
      });
    }
  }
  const secrets = await deps.secrets.get(deploymentId);
  const apiKey = secrets?.runpodApiKey;
  if (!apiKey) throw new AppError('CONFLICT', `deployment ${deploymentId} has no stored key`);

  let webhookSecret: string | null = null;
  if (req.webhook_url !== undefined && !secrets.webhookSecret) {
    webhookSecret = newWebhookSecret(deps.random(32));
    await deps.secrets.patch(deploymentId, { webhookSecret });
  }

  const id = `job_${base32(deps.random(16))}`;
  const run = await deps.runpod.runJob(
    apiKey,
    deployment.endpoint_id,
    req.input,
    {
      ...(req.execution_timeout_s !== undefined
        ? { executionTimeoutMs: req.execution_timeout_s * 1000 }
        : {}),
      ...(req.ttl_s !== undefined ? { ttlMs: req.ttl_s * 1000 } : {}),
    },
    jobHintUrl(deps.config.PUBLIC_BASE_URL, deps.config.secrets.ownerPepper, id),
  );
  const at = deps.clock.now().toISOString();
  const job: Job = {
    job_id: id,
    owner_hash: owner,
    deployment_id: deploymentId,
    endpoint_id: deployment.endpoint_id,
    runpod_job_id: run.id,
    status: 'queued',
    runpod_status: 'IN_QUEUE',
    input: storableJobInput(req.input),
    policy: { execution_timeout_s: req.execution_timeout_s ?? null, ttl_s: req.ttl_s ?? null },
    output: null,
    error: null,
    timings: { queue_s: null, execution_s: null, completed_at: null },
    cost: { price_per_hour_usd: deployment.gpu?.price_per_hour_usd ?? null, estimated_usd: null },
    webhook:
      req.webhook_url === undefined
        ? null
        : { url_host: new URL(req.webhook_url).host, deliveries: [] },
    created_at: at,
    updated_at: at,
    version: 0,
  };
  if (req.webhook_url !== undefined) {
    await deps.secrets.put(id, {
      runpodApiKey: null,
      hfToken: null,
      webhookUrl: req.webhook_url,
      webhookSecret: null,
      eventsToken: null,
      cache: null,
    });
  }
  await deps.jobs.create(job);
  await enqueueJobPoll(deps, id, 1);
  deps.log.info('job submitted', { job_id: id, deployment_id: deploymentId });
  return { job, webhookSecret };
}

/** GET /v1/jobs/{id}: the job, re-read from RunPod while it runs, with RunPod's output if kept. */
export async function readJob(deps: JobsDeps, owner: string, id: string): Promise<RefreshedJob> {
  return refreshJob(deps, await getOwnedJob(deps, owner, id), { withOutput: true });
}

/** POST /v1/jobs/{id}/cancel: cancels on RunPod and records the outcome; a finished job is kept. */
export async function cancelJob(deps: JobsDeps, owner: string, id: string): Promise<Job> {
  const job = await getOwnedJob(deps, owner, id);
  if (isTerminalJob(job.status)) return job;
  const apiKey = (await deps.secrets.get(job.deployment_id))?.runpodApiKey;
  if (!apiKey) throw new AppError('CONFLICT', 'the deployment of this job is gone');
  try {
    await deps.runpod.cancelJob(apiKey, job.endpoint_id, job.runpod_job_id);
  } catch (e) {
    if (!isAppError(e) || e.code !== 'NOT_FOUND') throw e;
  }
  deps.log.info('job cancel requested', { job_id: id });
  return (await refreshJob(deps, job)).job;
}

/** GET /v1/deployments/{id}/jobs: newest first, cursor-paginated, the owner's deployment only. */
export async function listJobs(
  deps: Pick<Deps, 'store' | 'jobs'>,
  owner: string,
  deploymentId: string,
  q: { status?: JobStatus; limit: number; cursor?: string },
): Promise<{ docs: Job[]; nextCursor: string | null }> {
  await getOwnedDeployment(deps, owner, deploymentId);
  return deps.jobs.list({ ownerHash: owner, deploymentId, ...q });
}
