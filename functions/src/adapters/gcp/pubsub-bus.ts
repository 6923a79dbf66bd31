import type { PubSub, Topic as PubSubTopic } from '@google-cloud/pubsub';
import type { Bus, Clock, Topic } from '../../ports';

/**
 * Publishes to the Pub/Sub topic of the same name. The data is JSON `{deployment_id}` (the document
 * is the source of truth); attributes carry what tracing and log correlation need without decoding.
 * Resolves once Pub/Sub has stored the message, so a handler that returns has really handed on.
 */
export function createPubSubBus(pubsub: PubSub, clock: Clock): Bus {
  const topics = new Map<Topic, PubSubTopic>();
  const topicOf = (name: Topic): PubSubTopic => {
    let t = topics.get(name);
    if (!t) {
      // One message per publish: these functions publish once and return; batching only adds latency.
      t = pubsub.topic(name, { batching: { maxMessages: 1 } });
      topics.set(name, t);
    }
    return t;
  };
  return {
    async publish(topic, msg) {
      await topicOf(topic).publishMessage({
        data: Buffer.from(JSON.stringify({ deployment_id: msg.deployment_id })),
        attributes: {
          deployment_id: msg.deployment_id,
          step: topic,
          published_at: clock.now().toISOString(),
        },
      });
    },
  };
}
