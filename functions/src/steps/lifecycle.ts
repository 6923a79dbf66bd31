import {
  RETRYABLE,
  transition,
  webhookMessageId,
  type Deployment,
  type DeploymentStatus,
  type ErrorCode,
  type Step,
  type WebhookEventType,
} from '@visgate/shared';
import type { Deps } from '../deps';
import { newDelivery } from './deliver-webhook/webhook-attempt';

/**
 * Appends a pending delivery for `event` when the user subscribed to it. Pure and idempotent: the
 * message id is derived from (deployment, event), so a step that runs twice records one delivery.
 */
export function withWebhookDelivery(
  doc: Deployment,
  event: WebhookEventType,
  at: Date,
): Deployment {
  const hook = doc.webhook;
  if (!hook || hook.disabled || !hook.events.includes(event)) return doc;
  const id = webhookMessageId(doc.deployment_id, event);
  if (hook.deliveries.some((d) => d.id === id)) return doc;
  return {
    ...doc,
    webhook: {
      ...hook,
      deliveries: [...hook.deliveries, newDelivery(event, id, at)],
    },
  };
}

/** Enqueues the first attempt of every delivery not yet attempted. Named tasks make this safe to repeat. */
export async function enqueuePendingDeliveries(
  deps: Pick<Deps, 'tasks'>,
  doc: Deployment,
): Promise<void> {
  for (const d of doc.webhook?.deliveries ?? []) {
    if (d.status !== 'pending' || d.attempts > 0) continue;
    await deps.tasks.enqueue({
      queue: 'webhook-delivery',
      name: `${d.id}-1`,
      payload: { deployment_id: doc.deployment_id, message_id: d.id, attempt: 1 },
    });
  }
}

/**
 * Moves a deployment to `failed` with a user-actionable code (only from one of `from`), records the
 * failed webhook, then releases whatever RunPod resources it may own. `amend` adds facts to the same
 * write (e.g. the pools RunPod refused). Returns false when the deployment had already moved on (a
 * stale or duplicate step), in which case nothing changes.
 */
export async function failDeployment(
  deps: Pick<Deps, 'store' | 'clock' | 'bus' | 'tasks' | 'log'>,
  id: string,
  from: readonly DeploymentStatus[],
  error: { code: ErrorCode; message: string; step: Step; retryable?: boolean },
  amend: (doc: Deployment) => Deployment = (doc) => doc,
): Promise<boolean> {
  const at = deps.clock.now();
  const written = await deps.store.mutate(id, (doc) => {
    if (!from.includes(doc.status)) return null;
    const failed = transition(amend(doc), 'failed', at, error.code);
    return withWebhookDelivery(
      {
        ...failed,
        error: {
          code: error.code,
          message: error.message,
          retryable: error.retryable ?? RETRYABLE[error.code],
          step: error.step,
        },
      },
      'deployment.failed',
      at,
    );
  });
  if (!written) return false;
  deps.log.info('deployment failed', { deployment_id: id, code: error.code, step: error.step });
  await enqueuePendingDeliveries(deps, written);
  // The teardown step deletes the endpoint and template if any exist (found by name), so a failure
  // after a crash between "create" and "record" still leaves nothing billing.
  await deps.bus.publish('deployment-teardown', { deployment_id: id });
  return true;
}

/** The progress block for a pipeline stage, keeping byte counters from earlier stages out. */
export function stage(
  doc: Deployment,
  s: Deployment['progress']['stage'],
  at: Date,
): Deployment['progress'] {
  return { ...doc.progress, stage: s, updated_at: at.toISOString() };
}

export interface ReadyFacts {
  source: string | null;
  workerId: string | null;
  fetchS: number | null;
  loadS: number | null;
  warmupS: number | null;
  peakVramBytes: number | null;
}

/**
 * Moves a loading deployment to ready (the model is in VRAM), records timings, queues the ready
 * webhook and the settle step. Returns false when it was not loading (duplicate callback).
 */
export async function markReady(
  deps: Pick<Deps, 'store' | 'clock' | 'tasks' | 'log'>,
  id: string,
  facts: ReadyFacts,
): Promise<boolean> {
  const at = deps.clock.now();
  const written = await deps.store.mutate(id, (doc) => {
    if (doc.status !== 'loading') return null;
    const ready = transition(
      doc,
      'ready',
      at,
      facts.source === 'probe' ? 'health probe job completed' : 'worker reported model loaded',
    );
    return withWebhookDelivery(
      {
        ...ready,
        timings: {
          ...doc.timings,
          ready_at: at.toISOString(),
          seconds_to_ready: (at.getTime() - Date.parse(doc.created_at)) / 1000,
          fetch_s: facts.fetchS ?? doc.timings.fetch_s,
          load_s: facts.loadS ?? doc.timings.load_s,
          warmup_s: facts.warmupS ?? doc.timings.warmup_s,
        },
        peak_vram_bytes: facts.peakVramBytes ?? doc.peak_vram_bytes,
        progress: {
          ...doc.progress,
          stage: 'ready',
          source: facts.source ?? doc.progress.source,
          worker_id: facts.workerId ?? doc.progress.worker_id,
          bytes_done: doc.progress.bytes_total ?? doc.progress.bytes_done,
          updated_at: at.toISOString(),
        },
        runtime: { ...doc.runtime, worker_ready_at: at.toISOString() },
      },
      'deployment.ready',
      at,
    );
  });
  if (!written) return false;
  deps.log.info('deployment ready', {
    deployment_id: id,
    seconds_to_ready: written.timings.seconds_to_ready,
  });
  await enqueuePendingDeliveries(deps, written);
  await deps.tasks.enqueue({
    queue: 'deployment-settle',
    name: `settle-${id}`,
    payload: { deployment_id: id },
  });
  return true;
}
