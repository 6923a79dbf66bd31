import { signWebhook, type DeliveryRecord } from '@visgate/shared';
import type { Deps } from '../../deps';

/**
 * One webhook attempt, shared by deployment and job events (both ride the `webhook-delivery`
 * queue, one named task per attempt): claim it on the document, sign and send it, decide the
 * outcome, record it. The documents differ; these steps do not.
 */

/** The fields of a delivery record the attempt logic reads and writes (deployments and jobs). */
export type AttemptRecord = Omit<DeliveryRecord, 'occurred_at'>;

/** A delivery record for an event that just happened: pending, due now, never attempted. */
export function newDelivery<E extends string>(
  event: E,
  id: string,
  at: Date,
): AttemptRecord & { event: E; occurred_at: string } {
  return {
    event,
    id,
    occurred_at: at.toISOString(),
    attempts: 0,
    status: 'pending',
    last_attempt_at: null,
    last_status_code: null,
    last_error: null,
    next_attempt_at: at.toISOString(),
    sending_until: null,
  };
}

/** How long a claim holds: the send timeout plus slack for the writes around it. */
export function claimUntil(now: Date, timeoutMs: number): string {
  return new Date(now.getTime() + timeoutMs + 30_000).toISOString();
}

/**
 * Claims attempt `attempt` of `messageId` before it is sent, so a duplicate of the task (at-least-
 * once) finds it taken. A claim whose holder crashed expires at `sending_until`; the retry then
 * sends the attempt after all, with the same webhook-id. Null when there is nothing to claim.
 */
export function claimAttempt<R extends AttemptRecord>(
  deliveries: readonly R[],
  messageId: string,
  attempt: number,
  now: Date,
  sendingUntil: string,
): R[] | null {
  const x = deliveries.find((y) => y.id === messageId);
  if (x?.status !== 'pending') return null;
  const abandoned =
    attempt === x.attempts &&
    x.sending_until !== null &&
    Date.parse(x.sending_until) < now.getTime();
  if (attempt <= x.attempts && !abandoned) return null;
  return deliveries.map((y) =>
    y.id === messageId ? { ...y, attempts: attempt, sending_until: sendingUntil } : y,
  );
}

/** True while another sender holds this very attempt: the duplicate must retry, not drop it. */
export function heldByAnother(
  current: AttemptRecord | undefined,
  attempt: number,
  now: Date,
): boolean {
  return (
    current?.status === 'pending' &&
    current.attempts === attempt &&
    current.sending_until !== null &&
    Date.parse(current.sending_until) >= now.getTime()
  );
}

export interface AttemptResult {
  status: number | null;
  error: string | null;
}

/** Signs (Standard Webhooks) and POSTs `body`; a non-2xx answer becomes the error text. */
export async function sendSigned(
  deps: Pick<Deps, 'webhooks' | 'config'>,
  o: { url: string; secret: string; messageId: string; body: string; now: Date },
): Promise<AttemptResult> {
  const ts = Math.floor(o.now.getTime() / 1000);
  const result = await deps.webhooks.send({
    url: o.url,
    body: o.body,
    timeoutMs: deps.config.WEBHOOK_TIMEOUT_MS,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'visgate-webhooks/1',
      'webhook-id': o.messageId,
      'webhook-timestamp': String(ts),
      'webhook-signature': await signWebhook(o.secret, o.messageId, ts, o.body),
    },
  });
  const status = result.status;
  return {
    status,
    error:
      result.error ??
      (status !== null && (status < 200 || status > 299) ? `receiver answered ${status}` : null),
  };
}

/** An attempt that was not sent, with the reason (always permanent). */
export function notSent(reason: string): AttemptResult {
  return { status: null, error: `not sent: ${reason}` };
}

export interface AttemptOutcome {
  status: AttemptRecord['status'];
  /** Delay of the next attempt when the outcome is `pending`. */
  nextDelayMs: number | null;
}

/**
 * A 2xx delivers; 410 (or a URL already disabled) disables; a permanent problem or the end of the
 * retry schedule fails; anything else is retried after `schedule[attempt]`.
 */
export function attemptOutcome(
  r: AttemptResult,
  attempt: number,
  schedule: readonly number[],
  alreadyDisabled = false,
): AttemptOutcome {
  const next = schedule[attempt];
  if (r.status !== null && r.status >= 200 && r.status <= 299) {
    return { status: 'delivered', nextDelayMs: null };
  }
  if (r.status === 410 || alreadyDisabled) return { status: 'disabled', nextDelayMs: null };
  if ((r.error?.startsWith('not sent') ?? false) || next === undefined) {
    return { status: 'failed', nextDelayMs: null };
  }
  return { status: 'pending', nextDelayMs: next };
}

/** The delivery record after the attempt. */
export function recordAttempt<R extends AttemptRecord>(
  x: R,
  attempt: number,
  r: AttemptResult,
  outcome: AttemptOutcome,
  now: Date,
): R {
  return {
    ...x,
    attempts: attempt,
    status: outcome.status,
    last_attempt_at: now.toISOString(),
    last_status_code: r.status,
    last_error: r.error,
    next_attempt_at:
      outcome.nextDelayMs === null
        ? null
        : new Date(now.getTime() + outcome.nextDelayMs).toISOString(),
  };
}

/** Enqueues the next attempt of a pending delivery (named, so duplicates collapse). */
export async function enqueueNextAttempt(
  deps: Pick<Deps, 'tasks'>,
  owner: { deployment_id: string } | { job_id: string },
  messageId: string,
  attempt: number,
  delayMs: number,
): Promise<void> {
  await deps.tasks.enqueue({
    queue: 'webhook-delivery',
    name: `${messageId}-${attempt + 1}`,
    payload: { ...owner, message_id: messageId, attempt: attempt + 1 },
    delayMs,
  });
}
