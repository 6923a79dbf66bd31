import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';

export interface PushBridge {
  delivered: number;
  close(): Promise<void>;
}

/**
 * Plays Eventarc for pstest (which has no push delivery): pulls the topic through its own
 * subscription and POSTs each message to `url` as a binary-mode
 * google.cloud.pubsub.topic.v1.messagePublished CloudEvent. 2xx acks; anything else nacks after a
 * short, doubling pause (Pub/Sub's retry policy, scaled down to milliseconds).
 */
export async function startPushBridge(opts: {
  pubsub: PubSub;
  projectId: string;
  topic: string;
  url: string;
}): Promise<PushBridge> {
  const name = `${opts.topic}-push-${Math.random().toString(36).slice(2, 8)}`;
  const [sub]: [Subscription, ...unknown[]] = await opts.pubsub
    .topic(opts.topic)
    .createSubscription(name, { ackDeadlineSeconds: 10 });
  const attempts = new Map<string, number>();
  const bridge: PushBridge = {
    delivered: 0,
    async close() {
      sub.removeAllListeners('message');
      await sub.close();
      await sub.delete().catch(() => undefined);
    },
  };
  const push = async (m: Message): Promise<void> => {
    const attempt = (attempts.get(m.id) ?? 0) + 1;
    attempts.set(m.id, attempt);
    let ok = false;
    try {
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'ce-id': m.id,
          'ce-specversion': '1.0',
          'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
          'ce-source': `//pubsub.googleapis.com/projects/${opts.projectId}/topics/${opts.topic}`,
          'ce-time': m.publishTime.toISOString(),
        },
        body: JSON.stringify({
          message: {
            data: m.data.toString('base64'),
            attributes: m.attributes,
            messageId: m.id,
            publishTime: m.publishTime.toISOString(),
          },
          subscription: sub.name,
        }),
      });
      await res.arrayBuffer();
      ok = res.ok;
    } catch {
      ok = false;
    }
    if (ok) {
      bridge.delivered += 1;
      attempts.delete(m.id);
      m.ack();
    } else {
      setTimeout(
        () => {
          m.nack();
        },
        Math.min(500, 10 * 2 ** attempt),
      );
    }
  };
  sub.on('message', (m: Message) => void push(m));
  return bridge;
}
