import { Router } from 'express';
import { z } from 'zod';
import { AppError, JobStatusSchema, hasInlineOutput, publicJob, type Job } from '@visgate/shared';
import type { Deps } from '../deps';
import { cancelJob, listJobs, readJob, submitJob } from '../api/jobs';
import { onRunPodJobHint } from '../steps/poll-job/poll-job';
import { ownerHash } from '../policy/owner';
import { issuesToErrors } from '../api/parse-request';
import { apiKeyFrom } from './auth';

const ListQuerySchema = z.strictObject({
  status: JobStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});

/** The API view of a job: the document, its links, and `output` as RunPod returned it when known. */
export function jobView(job: Job, liveOutput?: unknown): Record<string, unknown> {
  const view: Record<string, unknown> = {
    ...publicJob(job),
    links: {
      self: `/v1/jobs/${job.job_id}`,
      cancel: `/v1/jobs/${job.job_id}/cancel`,
      deployment: `/v1/deployments/${job.deployment_id}`,
    },
  };
  if (liveOutput !== undefined) view.output = liveOutput;
  return view;
}

/**
 * Jobs: `POST|GET /v1/deployments/{id}/jobs`, `GET /v1/jobs/{id}`, `POST /v1/jobs/{id}/cancel`, and
 * RunPod's job callback `POST /internal/job-hints/{id}?token=…` (a hint to re-read the status).
 * RunPod only calls a URL, so the per-job token is in the query string and Cloud Run's request logs
 * show it: it grants nothing but one more status read, which is why a hint is all it carries.
 */
export function jobRoutes(deps: Deps): Router {
  const router = Router();
  const owner = (headers: Parameters<typeof apiKeyFrom>[0]): string =>
    ownerHash(deps.config.secrets.ownerPepper, apiKeyFrom(headers));

  router.post('/v1/deployments/:id/jobs', async (req, res) => {
    const who = owner(req.headers);
    const { job, webhookSecret } = await submitJob(deps, who, req.params.id, req.body);
    res
      .status(202)
      .location(`/v1/jobs/${job.job_id}`)
      .json({ ...jobView(job), ...(webhookSecret ? { webhook_secret: webhookSecret } : {}) });
  });

  router.get('/v1/deployments/:id/jobs', async (req, res) => {
    const who = owner(req.headers);
    const q = ListQuerySchema.safeParse(req.query);
    if (!q.success)
      throw new AppError('VALIDATION_FAILED', 'invalid query', {
        details: { errors: issuesToErrors(q.error) },
      });
    const page = await listJobs(deps, who, req.params.id, q.data);
    res.json({ data: page.docs.map((j) => jobView(j)), next_cursor: page.nextCursor });
  });

  router.get('/v1/jobs/:id', async (req, res) => {
    const { job, liveOutput } = await readJob(deps, owner(req.headers), req.params.id);
    const kept = hasInlineOutput(job.output);
    res.json({
      ...jobView(job, liveOutput),
      output_expired: job.status === 'completed' && kept && liveOutput === undefined,
    });
  });

  router.post('/v1/jobs/:id/cancel', async (req, res) => {
    const job = await cancelJob(deps, owner(req.headers), req.params.id);
    res.json(jobView(job));
  });

  router.post('/internal/job-hints/:id', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : null;
    await onRunPodJobHint(deps, req.params.id, token);
    res.status(204).end();
  });

  return router;
}
