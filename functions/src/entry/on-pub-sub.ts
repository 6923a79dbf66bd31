import type { CloudEvent } from '@google-cloud/functions-framework';
import { z } from 'zod';
import type { StepDelivery } from '../steps/define-step';
import type { DeploymentMessage, Logger } from '../ports';

/** The `data` of a google.cloud.pubsub.topic.v1.messagePublished CloudEvent (Eventarc). */
export interface PubSubEventData {
  message?: { data?: string; attributes?: Record<string, string>; messageId?: string };
  subscription?: string;
  /** Which delivery this is; Pub/Sub sets it only on a subscription with a dead-letter policy. */
  deliveryAttempt?: number;
}

/**
 * The delivery attempt Pub/Sub reports: the push body's `deliveryAttempt`, or the
 * `googclient_deliveryattempt` attribute the client libraries use; null when neither is present.
 */
export function deliveryAttemptOf(data: PubSubEventData | undefined): number | null {
  const raw = data?.deliveryAttempt ?? data?.message?.attributes?.googclient_deliveryattempt;
  const n = typeof raw === 'string' ? Number(raw) : raw;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : null;
}

const MessageSchema = z.object({ deployment_id: z.string().min(1) });

/**
 * Adapts a bus handler to a Pub/Sub CloudEvent function: decodes base64 `message.data` and parses
 * it. A malformed message is logged and acknowledged (returning normally), because redelivering a
 * poison message never helps; a handler that throws makes the function fail, so Pub/Sub redelivers.
 * The delivery attempt is passed on, so a step can fail its deployment on the last one.
 */
export function onPubSub(
  handler: (msg: DeploymentMessage, delivery: StepDelivery) => Promise<void>,
  log: Logger,
) {
  return async (event: CloudEvent<PubSubEventData>): Promise<void> => {
    const raw = event.data?.message?.data;
    let parsed: z.ZodSafeParseResult<DeploymentMessage>;
    try {
      parsed = MessageSchema.safeParse(JSON.parse(Buffer.from(raw ?? '', 'base64').toString()));
    } catch {
      parsed = MessageSchema.safeParse(undefined);
    }
    if (!parsed.success) {
      log.error('dropping malformed Pub/Sub message', {
        event_id: event.id,
        source: event.source,
        message_id: event.data?.message?.messageId ?? null,
      });
      return;
    }
    await handler(parsed.data, { attempt: deliveryAttemptOf(event.data) });
  };
}
