import {
  AppError,
  familyOf,
  publicDeployment,
  signWebhook,
  usageExample,
  type Delivery,
  type Deployment,
} from '@visgate/shared';
import { rejectWebhookTarget } from '../adapters/webhook/url-guard';
import type { Deps } from './deps';

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
    // Claim the attempt first: a duplicate of this task (at-least-once) finds it taken. While the
    // claim is live the duplicate fails (the queue retries it); once a crashed sender's claim has
    // expired, the retry sends the attempt after all, with the same webhook-id.
    const sendingUntil = new Date(
      now.getTime() + deps.config.WEBHOOK_TIMEOUT_MS + 30_000,
    ).toISOString();
    const doc = await deps.store.mutate(id, (d) => {
      const x = d.webhook?.deliveries.find((y) => y.id === messageId);
      if (!d.webhook || x?.status !== 'pending') return null;
      const abandoned =
        attempt === x.attempts &&
        x.sending_until !== null &&
        Date.parse(x.sending_until) < now.getTime();
      if (attempt <= x.attempts && !abandoned) return null;
      const deliveries = d.webhook.deliveries.map((y) =>
        y.id === messageId ? { ...y, attempts: attempt, sending_until: sendingUntil } : y,
      );
      return { ...d, webhook: { ...d.webhook, deliveries } };
    });
    const delivery = doc?.webhook?.deliveries.find((d) => d.id === messageId);
    if (!doc?.webhook || !delivery) {
      const current = (await deps.store.get(id))?.webhook?.deliveries.find(
        (d) => d.id === messageId,
      );
      const heldByAnother =
        current?.status === 'pending' &&
        current.attempts === attempt &&
        current.sending_until !== null &&
        Date.parse(current.sending_until) >= now.getTime();
      if (heldByAnother)
        throw new AppError('CONFLICT', 'this attempt is being sent', { retryable: true });
      return;
    }

    const secrets = await deps.secrets.get(id);
    let status: number | null = null;
    let error: string | null = null;
    const rejected = secrets?.webhookUrl
      ? await rejectWebhookTarget(
          secrets.webhookUrl,
          deps.config.WEBHOOK_ALLOW_PRIVATE_HOSTS,
          deps.resolveHost,
        )
      : 'webhook URL no longer stored';
    if (doc.webhook.disabled) {
      error = 'webhook disabled after the receiver answered 410';
    } else if (rejected !== null || !secrets?.webhookUrl || !secrets.webhookSecret) {
      error = `not sent: ${rejected ?? 'no signing secret'}`;
    } else {
      const body = webhookBody(doc, delivery);
      const ts = Math.floor(now.getTime() / 1000);
      const result = await deps.webhooks.send({
        url: secrets.webhookUrl,
        body,
        timeoutMs: deps.config.WEBHOOK_TIMEOUT_MS,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'visgate-webhooks/1',
          'webhook-id': messageId,
          'webhook-timestamp': String(ts),
          'webhook-signature': await signWebhook(secrets.webhookSecret, messageId, ts, body),
        },
      });
      status = result.status;
      error =
        result.error ??
        (status !== null && (status < 200 || status > 299) ? `receiver answered ${status}` : null);
    }

    const delivered = status !== null && status >= 200 && status <= 299;
    const gone = status === 410;
    const permanent = doc.webhook.disabled || (error?.startsWith('not sent') ?? false);
    const nextDelayMs = schedule[attempt];
    const outcome: Delivery['status'] = delivered
      ? 'delivered'
      : gone || doc.webhook.disabled
        ? 'disabled'
        : permanent || nextDelayMs === undefined
          ? 'failed'
          : 'pending';
    const nextAt =
      outcome === 'pending' && nextDelayMs !== undefined
        ? new Date(now.getTime() + nextDelayMs).toISOString()
        : null;

    await deps.store.mutate(id, (d) => {
      if (!d.webhook) return null;
      const deliveries = d.webhook.deliveries.map((x) =>
        x.id !== messageId
          ? gone && x.status === 'pending'
            ? { ...x, status: 'disabled' as const, next_attempt_at: null }
            : x
          : {
              ...x,
              attempts: attempt,
              status: outcome,
              last_attempt_at: now.toISOString(),
              last_status_code: status,
              last_error: error,
              next_attempt_at: nextAt,
            },
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
      status,
      outcome,
    });

    if (outcome === 'pending' && nextDelayMs !== undefined) {
      await deps.tasks.enqueue({
        queue: 'webhook-delivery',
        name: `${messageId}-${attempt + 1}`,
        payload: { deployment_id: id, message_id: messageId, attempt: attempt + 1 },
        delayMs: nextDelayMs,
      });
    }
  };
}
