import {
  AppError,
  familyOf,
  publicDeployment,
  usageExample,
  type Delivery,
  type Deployment,
} from '@visgate/shared';
import { rejectWebhookTarget } from '../../policy/url-guard';
import type { Deps } from '../../deps';
import * as attempts from './webhook-attempt';

export type DeliverWebhookDeps = Pick<
  Deps,
  'config' | 'store' | 'secrets' | 'webhooks' | 'tasks' | 'clock' | 'log' | 'resolveHost'
>;

/** The Standard Webhooks body: `{type, timestamp, data}` with the deployment and a ready-to-run example. */
export function webhookBody(doc: Deployment, delivery: Delivery): string {
  const { webhook: _hook, ...data } = publicDeployment(doc);
  const example =
    delivery.event === 'deployment.ready' && doc.endpoint_url
      ? usageExample({
          endpointUrl: doc.endpoint_url,
          family: familyOf(doc.pipeline, doc.hf_model_id),
          modelId: doc.hf_model_id,
          task: doc.task ?? undefined,
        })
      : null;
  return JSON.stringify({
    type: delivery.event,
    timestamp: delivery.occurred_at,
    data: { ...data, usage_example: example },
  });
}

/**
 * deliverWebhook (a Cloud Tasks target, one named task per attempt): signs and POSTs one event,
 * records the attempt, and schedules the next one from the retry schedule (≥ 24 h in total). A 2xx
 * delivers; 410 disables the URL for this deployment; anything else retries until the schedule ends.
 */
export function createDeliverWebhook(deps: DeliverWebhookDeps) {
  const schedule = deps.config.WEBHOOK_RETRY_SCHEDULE_S;
  return async function deliverWebhook(payload: Record<string, unknown>): Promise<void> {
    const id = String(payload.deployment_id);
    const messageId = String(payload.message_id);
    const attempt = Number(payload.attempt ?? 1);
    const now = deps.clock.now();
    const sendingUntil = attempts.claimUntil(now, deps.config.WEBHOOK_TIMEOUT_MS);
    // The secrets are read while the attempt is claimed: one round trip less before the send.
    const [doc, secrets] = await Promise.all([
      deps.store.mutate(id, (d) => {
        if (!d.webhook) return null;
        const deliveries = attempts.claimAttempt(
          d.webhook.deliveries,
          messageId,
          attempt,
          now,
          sendingUntil,
        );
        return deliveries ? { ...d, webhook: { ...d.webhook, deliveries } } : null;
      }),
      deps.secrets.get(id),
    ]);
    const delivery = doc?.webhook?.deliveries.find((d) => d.id === messageId);
    if (!doc?.webhook || !delivery) {
      const current = (await deps.store.get(id))?.webhook?.deliveries.find(
        (d) => d.id === messageId,
      );
      if (attempts.heldByAnother(current, attempt, now))
        throw new AppError('CONFLICT', 'this attempt is being sent', { retryable: true });
      return;
    }

    const rejected = secrets?.webhookUrl
      ? await rejectWebhookTarget(
          secrets.webhookUrl,
          deps.config.WEBHOOK_ALLOW_PRIVATE_HOSTS,
          deps.resolveHost,
        )
      : 'webhook URL no longer stored';
    let result: attempts.AttemptResult;
    if (doc.webhook.disabled) {
      result = { status: null, error: 'webhook disabled after the receiver answered 410' };
    } else if (rejected !== null || !secrets?.webhookUrl || !secrets.webhookSecret) {
      result = attempts.notSent(rejected ?? 'no signing secret');
    } else {
      result = await attempts.sendSigned(deps, {
        url: secrets.webhookUrl,
        secret: secrets.webhookSecret,
        messageId,
        body: webhookBody(doc, delivery),
        now,
      });
    }
    const outcome = attempts.attemptOutcome(result, attempt, schedule, doc.webhook.disabled);
    const gone = result.status === 410;

    await deps.store.mutate(id, (d) => {
      if (!d.webhook) return null;
      const deliveries = d.webhook.deliveries.map((x) =>
        x.id === messageId
          ? attempts.recordAttempt(x, attempt, result, outcome, now)
          : gone && x.status === 'pending'
            ? { ...x, status: 'disabled' as const, next_attempt_at: null }
            : x,
      );
      return {
        ...d,
        updated_at: now.toISOString(),
        webhook: { ...d.webhook, disabled: d.webhook.disabled || gone, deliveries },
      };
    });
    deps.log.info('webhook attempt', {
      deployment_id: id,
      message_id: messageId,
      attempt,
      status: result.status,
      outcome: outcome.status,
    });
    if (outcome.nextDelayMs !== null) {
      await attempts.enqueueNextAttempt(
        deps,
        { deployment_id: id },
        messageId,
        attempt,
        outcome.nextDelayMs,
      );
    }
  };
}
