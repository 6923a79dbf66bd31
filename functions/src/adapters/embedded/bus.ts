import type { Bus, DeploymentMessage, Topic } from '../../ports';
import { TimerGroup, backoffMs, realTimers, type DeliveryOptions } from './timers';

/** Which delivery of a message this is (1 = first), as Pub/Sub reports it with a dead-letter policy. */
export interface Delivery {
  attempt: number;
}

export type MessageHandler = (msg: DeploymentMessage, delivery: Delivery) => Promise<void>;

export interface EmbeddedBusOptions extends DeliveryOptions {
  /**
   * Deliveries of one message before it is dead-lettered (logged and dropped), like a Pub/Sub
   * subscription's dead-letter policy `maxDeliveryAttempts`. Unbounded when absent.
   */
  maxDeliveryAttempts?: number;
}

/**
 * Pub/Sub semantics in one process: delivery is asynchronous and at-least-once; a handler that
 * throws gets the message again after exponential backoff, and is told which attempt it is; after
 * `maxDeliveryAttempts` the message is dead-lettered (logged at error and dropped), as a
 * subscription with a dead-letter topic does; a message to a topic nobody subscribes to is dropped.
 */
export function createEmbeddedBus(options: EmbeddedBusOptions) {
  const handlers = new Map<Topic, MessageHandler>();
  const timers = new TimerGroup(options.timers ?? realTimers);
  const random = options.random ?? Math.random;
  const jitter = (): number => (options.jitterMs ? Math.round(random() * options.jitterMs) : 0);
  const minMs = options.retryMinMs ?? 100;
  const maxMs = options.retryMaxMs ?? 10_000;
  const maxAttempts = options.maxDeliveryAttempts ?? Number.POSITIVE_INFINITY;
  let inFlight = 0;

  function deliver(topic: Topic, msg: DeploymentMessage, attempt: number, delayMs: number): void {
    timers.schedule(() => {
      const handler = handlers.get(topic);
      if (!handler) return;
      inFlight += 1;
      handler(structuredClone(msg), { attempt })
        .catch((e: unknown) => {
          const error = e instanceof Error ? e.message : String(e);
          if (attempt >= maxAttempts) {
            options.log.error('bus message dead-lettered after its last delivery attempt', {
              topic,
              deployment_id: msg.deployment_id,
              attempt,
              error,
            });
            return;
          }
          const wait = backoffMs(attempt, minMs, maxMs, random);
          options.log.warn('bus handler failed; redelivering', {
            topic,
            deployment_id: msg.deployment_id,
            attempt,
            retry_in_ms: wait,
            error,
          });
          deliver(topic, msg, attempt + 1, wait);
        })
        .finally(() => {
          inFlight -= 1;
        });
    }, delayMs + jitter());
  }

  const bus: Bus & {
    subscribe(topic: Topic, handler: MessageHandler): void;
    isIdle(): boolean;
    close(): void;
  } = {
    publish(topic, msg) {
      deliver(topic, msg, 1, 0);
      if (options.duplicateDelivery) deliver(topic, msg, 1, 1);
      return Promise.resolve();
    },
    subscribe(topic, handler) {
      handlers.set(topic, handler);
    },
    isIdle: () => inFlight === 0 && timers.pending === 0,
    close: () => {
      timers.close();
    },
  };
  return bus;
}

export type EmbeddedBus = ReturnType<typeof createEmbeddedBus>;
