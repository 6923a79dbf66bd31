import * as ff from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { createMemoryLogger } from '../../src/adapters/log/json-logger';
import { onPubSub } from '../../src/entry/on-pub-sub';
import { onTask } from '../../src/entry/on-task';
import {
  SIGNATURE_REMOVED_BY_GOOGLE,
  acceptAll,
  createOidcAuthenticator,
} from '../../src/entry/task-auth';
import { cloudRunShapedIdToken } from '../../test-support/emulators/cloud-tasks-emulator';
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
  const AUD = 'https://us-central1-p.cloudfunctions.net/poll';
  const now = Math.floor(Date.now() / 1000);
  const auth = createOidcAuthenticator({ audience: AUD, serviceAccount: SA });
  // What a private Cloud Run target receives: the token Google minted, signature removed.
  const cloudRun = (over: { audience?: string; email?: string; nowS?: number } = {}) =>
    `Bearer ${cloudRunShapedIdToken({
      audience: over.audience ?? AUD,
      serviceAccountEmail: over.email ?? SA,
      nowS: over.nowS,
    })}`;
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = { iss: 'https://accounts.google.com', aud: AUD, email: SA, email_verified: true };
  const shaped = (header: object, payload: object, sig = SIGNATURE_REMOVED_BY_GOOGLE) =>
    `Bearer ${part(header)}.${part(payload)}.${sig}`;

  it('accepts the token as Cloud Run passes it on: header.payload.SIGNATURE_REMOVED_BY_GOOGLE', async () => {
    const header = cloudRun();
    expect(header.endsWith('.SIGNATURE_REMOVED_BY_GOOGLE')).toBe(true);
    expect(await auth(header)).toBe(true);
  });

  it.each([
    ['no Authorization header', undefined],
    ['not a JWT', 'Bearer not-a-jwt'],
    ['a JWT whose payload is not JSON', `Bearer ${part({ alg: 'RS256' })}.bm90IGpzb24.sig`],
    ['another audience', cloudRun({ audience: 'https://us-central1-p.cloudfunctions.net/settle' })],
    ['another service account', cloudRun({ email: 'x@p.iam.gserviceaccount.com' })],
    ['an expired token', cloudRun({ nowS: now - 7200 })],
    [
      'another issuer',
      shaped({ alg: 'RS256' }, { ...claims, iss: 'https://evil.example', exp: now + 60 }),
    ],
    [
      'an unverified email',
      shaped({ alg: 'RS256' }, { ...claims, email_verified: false, exp: now + 60 }),
    ],
    ['a token without exp', shaped({ alg: 'RS256' }, claims)],
    ['an unsigned alg:none token', shaped({ alg: 'none' }, { ...claims, exp: now + 60 }, '')],
    ['alg:none with the marker', shaped({ alg: 'none' }, { ...claims, exp: now + 60 })],
  ])('refuses %s', async (_what, header) => {
    expect(await auth(header)).toBe(false);
  });

  it('verifies a token that still carries a signature with Google certificates, then its claims', async () => {
    const verified: string[] = [];
    const client = (payload: object | Error) => ({
      verifyIdToken: jest.fn((o: { idToken: string; audience?: string | string[] }) => {
        verified.push(String(o.audience));
        if (payload instanceof Error) return Promise.reject(payload);
        return Promise.resolve({ getPayload: () => payload });
      }),
    });
    const signed = shaped({ alg: 'RS256' }, { ...claims, exp: now + 60 }, 'c2lnbmF0dXJl');
    const ok = { ...claims, exp: now + 60 };
    const good = createOidcAuthenticator({
      audience: AUD,
      serviceAccount: SA,
      client: client(ok) as never,
    });
    expect(await good(signed)).toBe(true);
    expect(verified).toEqual([AUD]);
    const bad = createOidcAuthenticator({
      audience: AUD,
      serviceAccount: SA,
      client: client(new Error('Invalid token signature')) as never,
    });
    expect(await bad(signed)).toBe(false);
    const other = createOidcAuthenticator({
      audience: AUD,
      serviceAccount: SA,
      client: client({ ...ok, email: 'x@p.iam.gserviceaccount.com' }) as never,
    });
    expect(await other(signed)).toBe(false);
  });
});
