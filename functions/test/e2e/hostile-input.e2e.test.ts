import fc from 'fast-check';
import request from 'supertest';
import { startLocalSystem, type LocalSystem } from '../../test-support/local-system';

jest.setTimeout(120_000);

/** Field names the API knows, so generated bodies hit real validation paths, not only "unknown field". */
const FIELDS = [
  'hf_model_id',
  'revision',
  'hf_token',
  'task',
  'gpu_tier',
  'gpu_pools',
  'workers_min',
  'workers_max',
  'idle_timeout_s',
  'flashboot',
  'data_centers',
  'user_webhook_url',
  'webhook_events',
  'cache',
  'cache_scope',
  'user_s3_url',
  'ttl_s',
  'budget_usd',
  'metadata',
];

const value = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    'stabilityai/sd-turbo',
    'ADA_24',
    'A10',
    's3://bucket/p',
    'http://127.0.0.1/x',
    '../../etc/passwd',
  ),
  fc.array(fc.string(), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 4 }),
);

describe('hostile input', () => {
  let sys: LocalSystem;
  beforeAll(async () => {
    sys = await startLocalSystem({
      env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: 'false', LOG_LEVEL: 'warn' },
    });
  });
  afterAll(async () => {
    await sys.close();
  });

  async function post(body: unknown, headers: Record<string, string> = {}) {
    return request(sys.url)
      .post('/v1/deployments')
      .set({ Authorization: `Bearer ${sys.apiKey}`, ...headers })
      .set('Content-Type', 'application/json')
      .send(typeof body === 'string' ? body : JSON.stringify(body));
  }

  it('answers any JSON body with a 202 or a problem+json 4xx, never a 5xx, and stores only what it accepted', async () => {
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }),
      fc.jsonValue(),
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const before = sys.system.store.size();
        const res = await post(b);
        expect(res.status).toBeLessThan(500);
        if (res.status === 202) {
          accepted += 1;
          expect(sys.system.store.size()).toBe(before + 1);
        } else {
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(typeof (res.body as { code?: unknown }).code).toBe('string');
          expect(sys.system.store.size()).toBe(before);
        }
      }),
      { numRuns: 150, seed: 20261127 },
    );
    expect(accepted).toBeGreaterThanOrEqual(0);
  });

  it('answers any header values with a problem+json 4xx or a 202, never a 5xx', async () => {
    const header = fc.string({ maxLength: 300 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
    await fc.assert(
      fc.asyncProperty(header, header, async (auth, idem) => {
        const res = await request(sys.url)
          .post('/v1/deployments')
          .set('Authorization', auth)
          .set('Idempotency-Key', idem)
          .send({ hf_model_id: 'stabilityai/sd-turbo' });
        expect(res.status).toBeLessThan(500);
        expect([202, 400, 401]).toContain(res.status);
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it.each([
    '../secrets',
    'org/../other',
    '../../etc/passwd',
    'org/model/../../x',
    'org//model',
    'org/model/extra',
    '/org/model',
    'org/model?revision=x',
    'org/model#frag',
    'https://huggingface.co/org/model',
    'org/%2e%2e',
    ' org/model',
    'org/model\n',
    'org/mödel',
    'org/.hidden',
    'org/model.',
    'org--model/x',
    'a'.repeat(200) + '/x',
  ])('rejects the model id %j with VALIDATION_FAILED', async (id) => {
    const res = await post({ hf_model_id: id });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: expect.arrayContaining([expect.objectContaining({ path: 'hf_model_id' })]),
    });
  });

  it('rejects an oversized body early with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await post({
      hf_model_id: 'stabilityai/sd-turbo',
      metadata: { a: 'x'.repeat(200_000) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('rejects a webhook URL whose host resolves to loopback with WEBHOOK_URL_REJECTED', async () => {
    const res = await post({
      hf_model_id: 'stabilityai/sd-turbo',
      user_webhook_url: 'http://localhost:9/hook',
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'WEBHOOK_URL_REJECTED' });
  });
});
