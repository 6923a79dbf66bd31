import * as ff from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { createMemoryLogger } from '../../src/adapters/log/json-logger';
import { onPubSub } from '../../src/entry/on-pub-sub';
import { onTask } from '../../src/entry/on-task';
import { acceptAll, createOidcAuthenticator } from '../../src/entry/task-auth';
import type { DeploymentMessage } from '../../src/ports';

const ce = (data: unknown) => ({
  'ce-id': 'm1',
  'ce-specversion': '1.0',
  'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
  'ce-source': '//pubsub.googleapis.com/projects/p/topics/deployment-validate',
  'content-type': 'application/json',
  body: JSON.stringify(data),
});
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function postEvent(name: string, data: unknown) {
  const { body, ...headers } = ce(data);
  return request(getTestServer(name)).post('/').set(headers).send(body);
}

describe('onPubSub', () => {
  const seen: DeploymentMessage[] = [];
  beforeAll(() => {
    ff.cloudEvent(
      'onPubSubOk',
      onPubSub((m) => {
        seen.push(m);
        return Promise.resolve();
      }, createMemoryLogger()),
    );
    ff.cloudEvent(
      'onPubSubThrows',
      onPubSub(() => Promise.reject(new Error('transient')), createMemoryLogger()),
    );
  });

  it('decodes the base64 message data and hands the deployment id to the handler', async () => {
    const res = await postEvent('onPubSubOk', {
      message: { data: b64('{"deployment_id":"dpl_1"}'), messageId: '1' },
    });
    expect(res.status).toBe(204);
    expect(seen).toEqual([{ deployment_id: 'dpl_1' }]);
  });

  it.each([
    ['data that is not JSON', { message: { data: b64('not json') } }],
    ['JSON without a deployment id', { message: { data: b64('{"id":1}') } }],
    ['no message at all', {}],
  ])('acknowledges a poison message with %s without calling the handler', async (_what, data) => {
    seen.length = 0;
    expect((await postEvent('onPubSubOk', data)).status).toBe(204);
    expect(seen).toEqual([]);
  });

  it('fails the delivery when the handler throws, so Pub/Sub redelivers', async () => {
    const res = await postEvent('onPubSubThrows', {
      message: { data: b64('{"deployment_id":"dpl_2"}') },
    });
    expect(res.status).toBe(500);
  });
});

describe('onTask', () => {
  const calls: unknown[] = [];
  beforeAll(() => {
    const record = (p: unknown, meta: unknown) => {
      calls.push([p, meta]);
      return Promise.resolve();
    };
    ff.http('taskOpen', onTask(record, acceptAll, createMemoryLogger()));
    ff.http(
      'taskClosed',
      onTask(record, () => Promise.resolve(false), createMemoryLogger()),
    );
    ff.http(
      'taskFails',
      onTask(() => Promise.reject(new Error('503')), acceptAll, createMemoryLogger()),
    );
  });

  it('runs the handler with the payload and Cloud Tasks headers, answering 204', async () => {
    const res = await request(getTestServer('taskOpen'))
      .post('/')
      .set('X-CloudTasks-TaskName', 'abc-poll')
      .set('X-CloudTasks-TaskRetryCount', '2')
      .send({ deployment_id: 'dpl_3' });
    expect(res.status).toBe(204);
    expect(calls).toEqual([[{ deployment_id: 'dpl_3' }, { name: 'abc-poll', retryCount: 2 }]]);
  });

  it('refuses a request without a valid invoker token with 403', async () => {
    calls.length = 0;
    const res = await request(getTestServer('taskClosed')).post('/').send({ a: 1 });
    expect(res.status).toBe(403);
    expect(calls).toEqual([]);
  });

  it('answers 500 when the handler throws, so Cloud Tasks retries', async () => {
    expect((await request(getTestServer('taskFails')).post('/').send({ a: 1 })).status).toBe(500);
  });
});

describe('createOidcAuthenticator', () => {
  const SA = 'visgate-invoker@p.iam.gserviceaccount.com';
  const client = (claims: Record<string, unknown> | Error, audiences: string[] = []) => ({
    verifyIdToken: jest.fn((opts: { idToken: string; audience?: string | string[] }) => {
      audiences.push(String(opts.audience));
      if (claims instanceof Error) return Promise.reject(claims);
      return Promise.resolve({ getPayload: () => claims });
    }),
  });

  it('accepts a verified token of the invoker account and checks the configured audience', async () => {
    const audiences: string[] = [];
    const auth = createOidcAuthenticator({
      audience: 'https://r-p.cloudfunctions.net/poll',
      serviceAccount: SA,
      client: client({ email: SA, email_verified: true }, audiences) as never,
    });
    expect(await auth('Bearer t0k3n')).toBe(true);
    expect(audiences).toEqual(['https://r-p.cloudfunctions.net/poll']);
  });

  it.each([
    ['no Authorization header', undefined, { email: SA, email_verified: true }],
    [
      'another service account',
      'Bearer t',
      { email: 'x@p.iam.gserviceaccount.com', email_verified: true },
    ],
    ['an unverified email', 'Bearer t', { email: SA, email_verified: false }],
    [
      'a token the library rejects (signature, expiry, audience)',
      'Bearer t',
      new Error('Wrong recipient'),
    ],
  ])('rejects %s', async (_what, header, claims) => {
    const auth = createOidcAuthenticator({
      audience: 'a',
      serviceAccount: SA,
      client: client(claims) as never,
    });
    expect(await auth(header)).toBe(false);
  });
});
