import type { CloudEvent } from '@google-cloud/functions-framework';
import { createMemoryLogger } from '../adapters/log/json-logger';
import type { StepDelivery } from '../steps/define-step';
import type { DeploymentMessage } from '../ports';
import { deliveryAttemptOf, onPubSub, type PubSubEventData } from './on-pub-sub';

const event = (data: PubSubEventData): CloudEvent<PubSubEventData> => ({
  specversion: '1.0',
  id: 'e1',
  source: '//pubsub.googleapis.com/projects/p/topics/deployment-validate',
  type: 'google.cloud.pubsub.topic.v1.messagePublished',
  data,
});
const payload = Buffer.from(JSON.stringify({ deployment_id: 'dpl_a' })).toString('base64');

describe('Pub/Sub delivery attempt', () => {
  it('passes the push body deliveryAttempt to the step with the message', async () => {
    const seen: [DeploymentMessage, StepDelivery][] = [];
    const fn = onPubSub((m, d) => {
      seen.push([m, d]);
      return Promise.resolve();
    }, createMemoryLogger());
    await fn(event({ message: { data: payload }, deliveryAttempt: 7 }));
    await fn(event({ message: { data: payload } }));
    expect(seen).toEqual([
      [{ deployment_id: 'dpl_a' }, { attempt: 7 }],
      [{ deployment_id: 'dpl_a' }, { attempt: null }],
    ]);
  });

  it.each([
    [{ deliveryAttempt: 3 }, 3],
    [{ message: { attributes: { googclient_deliveryattempt: '5' } } }, 5],
    [{}, null],
    [{ deliveryAttempt: 0 }, null],
    [{ message: { attributes: { googclient_deliveryattempt: 'x' } } }, null],
  ] as [PubSubEventData, number | null][])('reads %j as attempt %p', (data, attempt) => {
    expect(deliveryAttemptOf(data)).toBe(attempt);
  });
});
