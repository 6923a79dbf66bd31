import {
  AppError,
  jobWebhookEvent,
  jobWebhookMessageId,
  publicJob,
  type Job,
  type JobDelivery,
} from '@visgate/shared';
import { rejectWebhookTarget } from '../../policy/url-guard';
import type { Deps } from '../../deps';
import * as attempts from './webhook-attempt';

export type DeliverJobWebhookDeps = Pick<
  Deps,
  'config' | 'jobs' | 'secrets' | 'webhooks' | 'tasks' | 'clock' | 'log' | 'resolveHost'
>;

/**
 * Appends the terminal event's delivery to a job that has a webhook. Pure and idempotent: the
 * message id is derived from (job, event), so a refresh that runs twice records one delivery.
 */
export function withJobDelivery(job: Job, at: Date): Job {
  const event = jobWebhookEvent(job.status);
  if (!job.webhook || event === null) return job;
  const id = jobWebhookMessageId(job.job_id, event);
  if (job.webhook.deliveries.some((d) => d.id === id)) return job;
  const delivery: JobDelivery = attempts.newDelivery(event, id, at);
  return { ...job, webhook: { ...job.webhook, deliveries: [...job.webhook.deliveries, delivery] } };
}

/** Enqueues the first attempt of every job delivery not yet attempted (named tasks dedupe). */
export async function enqueueJobDeliveries(deps: Pick<Deps, 'tasks'>, job: Job): Promise<void> {
  for (const d of job.webhook?.deliveries ?? []) {
    if (d.status !== 'pending' || d.attempts > 0) continue;
    await deps.tasks.enqueue({
      queue: 'webhook-delivery',
      name: `${d.id}-1`,
      payload: { job_id: job.job_id, message_id: d.id, attempt: 1 },
    });
  }
}

/** The Standard Webhooks body of a job event: the job without images (fetch them with GET). */
export function jobWebhookBody(job: Job, delivery: JobDelivery): string {
  return JSON.stringify({
    type: delivery.event,
    timestamp: delivery.occurred_at,
    data: { ...publicJob(job), links: { self: `/v1/jobs/${job.job_id}` } },
  });
}

/**
 * The job side of the `webhook-delivery` queue: the same signing (the deployment's `whsec_`
 * secret), URL guard, sender, timeout and retry schedule as deployment events. One named task per
 * attempt; a 2xx delivers, 410 disables, anything else retries until the schedule ends.
 */
export function createDeliverJobWebhook(deps: DeliverJobWebhookDeps) {
  const schedule = deps.config.WEBHOOK_RETRY_SCHEDULE_S;
  return async function deliverJobWebhook(payload: Record<string, unknown>): Promise<void> {
    const id = String(payload.job_id);
    const messageId = String(payload.message_id);
    const attempt = Number(payload.attempt ?? 1);
    const now = deps.clock.now();
    const sendingUntil = attempts.claimUntil(now, deps.config.WEBHOOK_TIMEOUT_MS);
    const job = await deps.jobs.mutate(id, (j) => {
      if (!j.webhook) return null;
      const deliveries = attempts.claimAttempt(
        j.webhook.deliveries,
        messageId,
        attempt,
        now,
        sendingUntil,
      );
      return deliveries ? { ...j, webhook: { ...j.webhook, deliveries } } : null;
    });
    const delivery = job?.webhook?.deliveries.find((d) => d.id === messageId);
    if (!job || !delivery) {
      const current = (await deps.jobs.get(id))?.webhook?.deliveries.find(
        (d) => d.id === messageId,
      );
      if (attempts.heldByAnother(current, attempt, now))
        throw new AppError('CONFLICT', 'this attempt is being sent', { retryable: true });
      return;
    }

    // The job holds the URL; the deployment holds the signing secret.
    const [jobSecrets, deploymentSecrets] = await Promise.all([
      deps.secrets.get(id),
      deps.secrets.get(job.deployment_id),
    ]);
    const url = jobSecrets?.webhookUrl ?? null;
    const secret = deploymentSecrets?.webhookSecret ?? null;
    const rejected = url
      ? await rejectWebhookTarget(url, deps.config.WEBHOOK_ALLOW_PRIVATE_HOSTS, deps.resolveHost)
      : null;
    const result: attempts.AttemptResult =
      !url || !secret || rejected !== null
        ? attempts.notSent(rejected ?? (url ? 'no signing secret' : 'webhook URL no longer stored'))
        : await attempts.sendSigned(deps, {
            url,
            secret,
            messageId,
            body: jobWebhookBody(job, delivery),
            now,
          });
    const outcome = attempts.attemptOutcome(result, attempt, schedule);
    await deps.jobs.mutate(id, (j) => {
      if (!j.webhook) return null;
      const deliveries = j.webhook.deliveries.map((x) =>
        x.id === messageId ? attempts.recordAttempt(x, attempt, result, outcome, now) : x,
      );
      return { ...j, updated_at: now.toISOString(), webhook: { ...j.webhook, deliveries } };
    });
    deps.log.info('job webhook attempt', {
      job_id: id,
      message_id: messageId,
      attempt,
      outcome: outcome.status,
    });

    if (outcome.nextDelayMs !== null) {
      await attempts.enqueueNextAttempt(
        deps,
        { job_id: id },
        messageId,
        attempt,
        outcome.nextDelayMs,
      );
    } else {
      // The terminal event is the only one a job sends: its URL is no longer needed.
      await deps.secrets.delete(id);
    }
  };
}
