import type { PubSub, Subscription } from '@google-cloud/pubsub';

export interface PushSubscription {
  name: string;
  close(): Promise<void>;
}

/**
 * How a step function is triggered in these tests, the way Google documents local development of
 * Pub/Sub functions: a push subscription on the Pub/Sub emulator whose endpoint is the function's
 * functions-framework server, at a path naming the topic (`/projects/P/topics/T`). The emulator
 * POSTs the raw push body; the framework turns it into the messagePublished CloudEvent the handler
 * gets. A 2xx acks; anything else makes the emulator redeliver with backoff.
 */
export async function createPushSubscription(opts: {
  pubsub: PubSub;
  projectId: string;
  topic: string;
  /** The function server's base URL. */
  url: string;
}): Promise<PushSubscription> {
  const name = `${opts.topic}-push-${Math.random().toString(36).slice(2, 8)}`;
  const endpoint = new URL(`projects/${opts.projectId}/topics/${opts.topic}`, opts.url).href;
  const [sub]: [Subscription, ...unknown[]] = await opts.pubsub
    .topic(opts.topic)
    .createSubscription(name, { ackDeadlineSeconds: 10, pushConfig: { pushEndpoint: endpoint } });
  return {
    name: sub.name,
    async close() {
      await sub.delete().catch(() => undefined);
    },
  };
}
