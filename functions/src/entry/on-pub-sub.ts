import type { CloudEvent } from '@google-cloud/functions-framework';
import { z } from 'zod';
import type { DeploymentMessage, Logger } from '../ports';

/** The `data` of a google.cloud.pubsub.topic.v1.messagePublished CloudEvent (Eventarc). */
export interface PubSubEventData {
  message?: { data?: string; attributes?: Record<string, string>; messageId?: string };
  subscription?: string;
}

const MessageSchema = z.object({ deployment_id: z.string().min(1) });

/**
 * Adapts a bus handler to a Pub/Sub CloudEvent function: decodes base64 `message.data` and parses
 * it. A malformed message is logged and acknowledged (returning normally), because redelivering a
 * poison message never helps; a handler that throws makes the function fail, so Pub/Sub redelivers.
 */
export function onPubSub(handler: (msg: DeploymentMessage) => Promise<void>, log: Logger) {
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
    await handler(parsed.data);
  };
}
