import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import request from 'supertest';
import { ownerHash } from '../../src/policy/owner';
import { startLocalSystem, type LocalSystem } from '@visgate/sim';

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
  // Finding 4: every address form that reaches an internal host is refused at creation.
  it.each([
    'http://[64:ff9b::7f00:1]/hook',
    'http://[64:ff9b::a9fe:a9fe]/hook',
    'http://[::127.0.0.1]/hook',
    'http://[2002:c0a8:101::1]/hook',
    'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook',
    'http://192.0.0.170/hook',
    'http://[fec0::1]/hook',
  ])('rejects the webhook URL %s with WEBHOOK_URL_REJECTED', async (url) => {
    const res = await post({ hf_model_id: 'stabilityai/sd-turbo', user_webhook_url: url });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'WEBHOOK_URL_REJECTED',
      errors: [expect.objectContaining({ path: 'user_webhook_url' })],
    });
  });

  // Our own functions call a cache endpoint (cache check, fill), so it is held to the webhook rules.
  const privateCache = (endpoint: string) => ({
    scope: 'private',
    s3_url: 's3://user-models/cache',
    endpoint_url: endpoint,
    access_key_id: 'AKIAEXAMPLE',
    secret_access_key: 'secret-example',
  });
  it.each([
    ['cache.endpoint_url', 'http://10.0.0.5:9000'],
    ['cache.endpoint_url', 'http://[64:ff9b::a9fe:a9fe]/'],
    ['cache.endpoint_url', 'http://169.254.169.254/'],
    ['user_aws_endpoint_url', 'http://10.1.2.3/'],
    ['user_aws_endpoint_url', 'http://[64:ff9b::a9fe:a9fe]:9000'],
  ])('rejects %s %s with CACHE_ENDPOINT_REJECTED', async (field, url) => {
    const body =
      field === 'cache.endpoint_url'
        ? { hf_model_id: 'stabilityai/sd-turbo', cache: privateCache(url) }
        : {
            hf_model_id: 'stabilityai/sd-turbo',
            cache_scope: 'private',
            user_s3_url: 's3://user-models/cache',
            user_aws_access_key_id: 'AKIAEXAMPLE',
            user_aws_secret_access_key: 'secret-example',
            user_aws_endpoint_url: url,
          };
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'CACHE_ENDPOINT_REJECTED',
      errors: [expect.objectContaining({ path: field })],
    });
    expect(JSON.stringify(res.body)).not.toContain('secret-example');
  });
  it('rejects a cache endpoint whose host name resolves to loopback with CACHE_ENDPOINT_REJECTED', async () => {
    // This machine's own name: a host name (not refused literally) that DNS answers with loopback.
    const host = hostname();
    const addresses = await lookup(host, { all: true });
    expect(addresses.map((a) => a.address)).toContainEqual(expect.stringMatching(/^127\.|^::1$/));
    const res = await post({
      hf_model_id: 'stabilityai/sd-turbo',
      cache: privateCache(`http://${host}:9000`),
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'CACHE_ENDPOINT_REJECTED',
      errors: [{ path: 'cache.endpoint_url', message: expect.stringMatching(/resolves to/) }],
    });
  });

  // Finding 3: the replayable 202 body (with webhook_secret) is sealed at rest.
  it('keeps the idempotent 202 body sealed at rest and still replays webhook_secret', async () => {
    const key = `idem-sealed-${Date.now()}`;
    const body = {
      hf_model_id: 'stabilityai/sd-turbo',
      user_webhook_url: 'https://93.184.216.34/h',
    };
    const first = await post(body, { 'Idempotency-Key': key });
    expect(first.status).toBe(202);
    const secret = (first.body as { webhook_secret: string }).webhook_secret;
    expect(secret).toMatch(/^whsec_/);
    const owner = ownerHash(sys.system.deps.config.secrets.ownerPepper, sys.apiKey);
    const atRest = JSON.stringify(await sys.system.idempotencyAtRest.get(`${owner}:${key}`));
    expect(atRest).toContain('"sealed":"v1.');
    expect(atRest).not.toContain(secret);
    expect(atRest).not.toContain(secret.slice('whsec_'.length));
    const replay = await post(body, { 'Idempotency-Key': key });
    expect(replay.status).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
  });

  // Finding 1: a string that reaches a header, a URL or a log is checked at the edge.
  describe.each(['/v1/deployments', '/v1/estimates'])('POST %s', (path) => {
    it.each([
      ['hf_token', { hf_token: 'hf_\u0100' }],
      ['hf_token', { hf_token: 'hf_abc\ndef' }],
      ['hf_token', { hf_token: 'hf_abc\u0007' }],
      ['hf_token', { hf_token: 'hf_abc def' }],
      ['user_webhook_url', { user_webhook_url: 'https://example.com/a\nb' }],
      ['user_webhook_url', { user_webhook_url: 'https://example.com/\u00e9' }],
      [
        'cache.access_key_id',
        {
          cache: {
            scope: 'private',
            s3_url: 's3://bucket/p',
            access_key_id: 'AK\r\nX: y',
            secret_access_key: 's',
          },
        },
      ],
      [
        'cache.s3_url',
        {
          cache: {
            scope: 'private',
            s3_url: 's3://bucket/p\u0001',
            access_key_id: 'AK',
            secret_access_key: 's',
          },
        },
      ],
      ['user_aws_secret_access_key', { user_aws_secret_access_key: 'se\u00a0cret' }],
      ['gpu_tier', { gpu_tier: 'A10\n' }],
      ['metadata.team', { metadata: { team: 'a\u2028b' } }],
      ['metadata.team', { metadata: { team: 'a\ud800' } }],
    ])('refuses %s %j with 400 VALIDATION_FAILED naming the field', async (field, extra) => {
      const before = sys.system.store.size();
      const res = await request(sys.url)
        .post(path)
        .set('Authorization', `Bearer ${sys.apiKey}`)
        .send({ hf_model_id: 'stabilityai/sd-turbo', ...extra });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: expect.arrayContaining([expect.objectContaining({ path: field })]),
      });
      expect(sys.system.store.size()).toBe(before);
    });
  });

  // Finding 2: a library's 4xx (body-parser, the router) is the client's problem, never a 500.
  it.each([
    [
      'a body that is not gzip under Content-Encoding: gzip',
      'gzip',
      Buffer.from('{"hf_model_id":"x/y"}'),
    ],
    [
      'a truncated gzip body',
      'gzip',
      gzipSync('{"hf_model_id":"stabilityai/sd-turbo"}').subarray(0, 12),
    ],
    ['a body that is not deflate under Content-Encoding: deflate', 'deflate', Buffer.from('{}')],
    ['an unknown Content-Encoding', 'zstd-nope', Buffer.from('{}')],
  ])('answers %s with 400 VALIDATION_FAILED at (body)', async (_what, encoding, bytes) => {
    const res = await request(sys.url)
      .post('/v1/deployments')
      .set('Authorization', `Bearer ${sys.apiKey}`)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', encoding)
      .send(bytes);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [expect.objectContaining({ path: '(body)' })],
    });
  });

  it.each([
    ['GET', '/v1/deployments/%E0%A4%A'],
    ['GET', '/v1/jobs/%'],
    ['DELETE', '/v1/deployments/%FF'],
    ['GET', '/v1/deployments/%C0%AF/events'],
    ['POST', '/v1/jobs/%E0/cancel'],
    ['GET', '/v1/deployments/%/jobs'],
  ])(
    'answers %s %s (malformed percent-encoding) with 400 VALIDATION_FAILED at (path)',
    async (method, path) => {
      const res = await request(sys.url)
        [method.toLowerCase() as 'get' | 'post' | 'delete'](path)
        .set('Authorization', `Bearer ${sys.apiKey}`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [expect.objectContaining({ path: '(path)' })],
      });
    },
  );

  it('answers any path parameter or query string, raw or percent-encoded, with a 4xx problem, never a 5xx', async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 40 }).map(encodeURIComponent),
      fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent),
      fc.stringMatching(/^(%[0-9A-Fa-f]{0,2}|[A-Za-z0-9_.~-]){1,12}$/),
    );
    const route = fc.constantFrom(
      (x: string) => ['get', `/v1/deployments/${x}`] as const,
      (x: string) => ['get', `/v1/jobs/${x}`] as const,
      (x: string) => ['post', `/v1/jobs/${x}/cancel`] as const,
      (x: string) => ['get', `/v1/deployments/${x}/jobs`] as const,
      (x: string) => ['delete', `/v1/deployments/${x}`] as const,
      (x: string) => ['get', `/v1/deployments?cursor=${x}`] as const,
      (x: string) => ['get', `/v1/deployments?status=${x}&limit=${x}`] as const,
      (x: string) => ['get', `/v1/deployments/dpl_x/jobs?cursor=${x}`] as const,
    );
    await fc.assert(
      fc.asyncProperty(route, segment, async (at, x) => {
        const [method, path] = at(x);
        const res = await request(sys.url)
          [method](path)
          .set('Authorization', `Bearer ${sys.apiKey}`);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }),
      { numRuns: 200, seed: 20261130 },
    );
  });

  // Finding 5: keys that name Object.prototype are refused with their path, not dropped.
  it.each([
    [
      'metadata.__proto__',
      '{"hf_model_id":"stabilityai/sd-turbo","metadata":{"__proto__":{"x":"1"}}}',
    ],
    [
      'metadata.__proto__',
      '{"hf_model_id":"stabilityai/sd-turbo","metadata":{"__proto__":"x","team":"a"}}',
    ],
    [
      'metadata.constructor',
      '{"hf_model_id":"stabilityai/sd-turbo","metadata":{"constructor":"x"}}',
    ],
    ['metadata.prototype', '{"hf_model_id":"stabilityai/sd-turbo","metadata":{"prototype":"x"}}'],
    ['__proto__', '{"hf_model_id":"stabilityai/sd-turbo","__proto__":{"workers_max":9}}'],
    [
      'cache.__proto__',
      '{"hf_model_id":"stabilityai/sd-turbo","cache":{"scope":"none","__proto__":{}}}',
    ],
  ])(
    'refuses a raw JSON body with %s with 400 VALIDATION_FAILED naming the path',
    async (field, raw) => {
      const before = sys.system.store.size();
      const res = await post(raw);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: expect.arrayContaining([expect.objectContaining({ path: field })]),
      });
      expect(sys.system.store.size()).toBe(before);
    },
  );

  it('refuses a reserved key in a job body too', async () => {
    const res = await request(sys.url)
      .post('/v1/deployments/dep_nothere/jobs')
      .set('Authorization', `Bearer ${sys.apiKey}`)
      .set('Content-Type', 'application/json')
      .send('{"input":{"prompt":"x","constructor":{"a":1}}}');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [expect.objectContaining({ path: 'input.constructor' })],
    });
  });
});
