import { randomBytes } from 'node:crypto';
import http from 'node:http';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { DEPLOYMENT_ID_PATTERN, runpodResourceName, type Deployment } from '@visgate/shared';
import { ownerHash } from '../../src/policy/owner';
import {
  fakeRunPodKey,
  startLocalSystem,
  type LocalSystem,
  startWebhookReceiver,
  type WebhookReceiver,
} from '@visgate/sim';

// Generous: the whole pipeline runs in this process, on machines that may be busy.
jest.setTimeout(120_000);
const WAIT_MS = 60_000;

const PIPELINE_ORDER = [
  'queued',
  'validating',
  'selecting_gpu',
  'provisioning',
  'loading',
  'ready',
];
const SEED_BODY = {
  hf_model_id: 'stabilityai/sd-turbo',
  gpu_tier: 'A10',
  user_webhook_url: 'https://your-app.com/webhook',
};

type Res = request.Response;

const bearer = (key: string): Record<string, string> => ({ Authorization: `Bearer ${key}` });

/** Asserts an RFC 9457 body with our fields and a matching X-Request-Id header. */
function expectProblem(res: Res, status: number, code: string): Record<string, unknown> {
  expect({ status: res.status, code: (res.body as { code?: unknown }).code }).toEqual({
    status,
    code,
  });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const requestId = res.headers['x-request-id'];
  expect(requestId).toMatch(/^req_/);
  expect(res.body).toMatchObject({
    type: expect.stringMatching(/^https:\/\//) as unknown,
    title: expect.any(String) as unknown,
    status,
    detail: expect.any(String) as unknown,
    code,
    request_id: requestId,
  });
  return res.body as Record<string, unknown>;
}

function deploy(
  sys: LocalSystem,
  body: Record<string, unknown>,
  key = sys.apiKey,
  headers: Record<string, string> = {},
): Promise<Res> {
  return request(sys.url).post('/v1/deployments').set(bearer(key)).set(headers).send(body);
}

async function deployOk(
  sys: LocalSystem,
  body: Record<string, unknown>,
  key = sys.apiKey,
): Promise<string> {
  const res = await deploy(sys, body, key);
  expect(res.status).toBe(202);
  return (res.body as { deployment_id: string }).deployment_id;
}

interface SseFrame {
  id: string | null;
  event: string | null;
  data: string;
}

function parseSse(raw: string): SseFrame[] {
  const frames: SseFrame[] = [];
  for (const block of raw.split('\n\n')) {
    let id: string | null = null;
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (event !== null || data.length > 0) frames.push({ id, event, data: data.join('\n') });
  }
  return frames;
}

/** Reads a whole event stream over real HTTP until the server closes it. */
function readSse(
  baseUrl: string,
  path: string,
  key: string,
  lastEventId?: string,
): Promise<{ status: number; contentType: string; raw: string; frames: SseFrame[] }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = bearer(key);
    if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
    let raw = '';
    const req = http.get(new URL(path, baseUrl), { headers }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
      });
      res.on('end', () => {
        clearTimeout(guard);
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type']),
          raw,
          frames: parseSse(raw),
        });
      });
      res.on('error', reject);
    });
    const guard = setTimeout(() => {
      req.destroy();
      reject(new Error(`event stream did not close; received so far:\n${raw}`));
    }, WAIT_MS);
    req.on('error', (e) => {
      clearTimeout(guard);
      reject(e);
    });
  });
}

const statusOf = (f: SseFrame): string => (JSON.parse(f.data) as { status: string }).status;

describe('error responses of the HTTP API', () => {
  let sys: LocalSystem;
  const seen: Res[] = [];
  const track = async (r: Promise<Res>): Promise<Res> => {
    const res = await r;
    seen.push(res);
    return res;
  };

  beforeAll(async () => {
    sys = await startLocalSystem();
  });
  afterAll(async () => {
    await sys.close();
  });

  it('answers a request without a key with 401 UNAUTHORIZED', async () => {
    const res = await track(
      request(sys.url).post('/v1/deployments').send({ hf_model_id: 'stabilityai/sd-turbo' }),
    );
    expectProblem(res, 401, 'UNAUTHORIZED');
  });

  it.each([
    ['a listing without a key', () => request(sys.url).get('/v1/deployments')],
    ['an estimate without a key', () => request(sys.url).post('/v1/estimates').send({})],
    [
      'a malformed bearer header',
      () => request(sys.url).get('/v1/deployments').set('Authorization', 'Bearer'),
    ],
    ['a too short key', () => request(sys.url).get('/v1/deployments').set(bearer('short'))],
  ])('answers %s with 401 UNAUTHORIZED', async (_what, send) => {
    expectProblem(await track(send()), 401, 'UNAUTHORIZED');
  });

  it('answers a key RunPod does not know with 401 RUNPOD_AUTH and never echoes the key', async () => {
    const unknownKey = fakeRunPodKey();
    const res = await track(deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' }, unknownKey));
    expectProblem(res, 401, 'RUNPOD_AUTH');
    expect(res.text).not.toContain(unknownKey);
    expect(JSON.stringify(res.headers)).not.toContain(unknownKey);
    expect(sys.log.lines.join('\n')).not.toContain(unknownKey);
  });

  const metadata17 = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
  it.each<[string, Record<string, unknown>, string]>([
    ['a missing hf_model_id', { gpu_tier: 'A10' }, 'hf_model_id'],
    ['a path traversal model id', { hf_model_id: '../../etc/passwd' }, 'hf_model_id'],
    ['a model id with three parts', { hf_model_id: 'a/b/c' }, 'hf_model_id'],
    ['a model id that is a number', { hf_model_id: 42 }, 'hf_model_id'],
    ['an unknown field', { hf_model_id: 'stabilityai/sd-turbo', colour: 'red' }, 'colour'],
    [
      'workers_max below workers_min',
      { hf_model_id: 'stabilityai/sd-turbo', workers_min: 3, workers_max: 2 },
      'workers_max',
    ],
    [
      'workers_max as a string',
      { hf_model_id: 'stabilityai/sd-turbo', workers_max: '2' },
      'workers_max',
    ],
    [
      'flashboot as a string',
      { hf_model_id: 'stabilityai/sd-turbo', flashboot: 'yes' },
      'flashboot',
    ],
    [
      'four gpu_pools',
      {
        hf_model_id: 'stabilityai/sd-turbo',
        gpu_pools: ['AMPERE_16', 'AMPERE_24', 'ADA_24', 'AMPERE_48'],
      },
      'gpu_pools',
    ],
    [
      'an unknown pool id',
      { hf_model_id: 'stabilityai/sd-turbo', gpu_pools: ['NOPE_99'] },
      'gpu_pools.0',
    ],
    ['an unknown gpu_tier', { hf_model_id: 'stabilityai/sd-turbo', gpu_tier: 'TPU9' }, 'gpu_tier'],
    [
      'an ftp webhook URL',
      { hf_model_id: 'stabilityai/sd-turbo', user_webhook_url: 'ftp://example.com/hook' },
      'user_webhook_url',
    ],
    [
      'a private cache without keys',
      { hf_model_id: 'stabilityai/sd-turbo', cache: { scope: 'private', s3_url: 's3://bucket/p' } },
      'cache',
    ],
    [
      'metadata with 17 keys',
      { hf_model_id: 'stabilityai/sd-turbo', metadata: metadata17 },
      'metadata',
    ],
    [
      'metadata with a number value',
      { hf_model_id: 'stabilityai/sd-turbo', metadata: { a: 1 } },
      'metadata.a',
    ],
    ['a body that is an array', [] as unknown as Record<string, unknown>, '(body)'],
  ])('rejects %s with 400 VALIDATION_FAILED naming the field', async (_what, body, path) => {
    const res = await track(deploy(sys, body));
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    const errors = problem.errors as { path: string; message: string }[];
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors)
      expect(e).toEqual({ path: expect.any(String), message: expect.any(String) });
    expect(errors.map((e) => e.path)).toContain(path);
  });

  it('rejects a webhook URL carrying credentials with 400 WEBHOOK_URL_REJECTED without echoing them', async () => {
    const res = await track(
      deploy(sys, {
        hf_model_id: 'stabilityai/sd-turbo',
        user_webhook_url: 'https://user:PLANTEDPASSWORD@example.com/hook',
      }),
    );
    const problem = expectProblem(res, 400, 'WEBHOOK_URL_REJECTED');
    expect(problem.errors).toEqual([
      { path: 'user_webhook_url', message: expect.any(String) as unknown },
    ]);
    expect(res.text).not.toContain('PLANTEDPASSWORD');
  });

  it('rejects a body that is not JSON with 400 VALIDATION_FAILED', async () => {
    const res = await track(
      request(sys.url)
        .post('/v1/deployments')
        .set(bearer(sys.apiKey))
        .set('Content-Type', 'application/json')
        .send('{"hf_model_id": "stabilityai/sd-turbo",'),
    );
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('rejects a body that is not sent as JSON with 400 VALIDATION_FAILED', async () => {
    const res = await track(
      request(sys.url)
        .post('/v1/deployments')
        .set(bearer(sys.apiKey))
        .set('Content-Type', 'text/plain')
        .send('hf_model_id=stabilityai/sd-turbo'),
    );
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('rejects a body over MAX_BODY_BYTES with 413 PAYLOAD_TOO_LARGE', async () => {
    const big = 'x'.repeat(sys.system.deps.config.MAX_BODY_BYTES + 1);
    const res = await track(
      deploy(sys, { hf_model_id: 'stabilityai/sd-turbo', metadata: { big } }),
    );
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('rejects an Idempotency-Key with control characters with 400 VALIDATION_FAILED', async () => {
    const res = await track(
      deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' }, sys.apiKey, {
        'Idempotency-Key': 'has space',
      }),
    );
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it.each([
    ['GET', '/v1/nothing-here'],
    ['POST', '/v2/deployments'],
    // `/` is the web console now; a console path that is no built asset is still a 404 problem.
    ['GET', '/assets/not-built-ABCD1234.js'],
    ['POST', '/'],
  ])('answers %s %s with a 404 NOT_FOUND problem', async (method, path) => {
    const res = await track(
      request(sys.url)
        [method.toLowerCase() as 'get' | 'post' | 'put'](path)
        .set(bearer(sys.apiKey)),
    );
    expectProblem(res, 404, 'NOT_FOUND');
  });

  it.each([
    ['PUT', '/v1/deployments', 'POST, GET, HEAD'],
    ['PATCH', '/v1/deployments/dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa', 'GET, DELETE, HEAD'],
    ['DELETE', '/v1/jobs/job_aaaaaaaaaaaaaaaaaaaaaaaaaa', 'GET, HEAD'],
    ['GET', '/v1/estimates', 'POST'],
    ['TRACE', '/health', 'GET, HEAD'],
  ])(
    'answers %s %s, a method the path does not declare, with 405 and Allow: %s',
    async (method, path, allow) => {
      const res = await track(
        request(sys.url)
          [method.toLowerCase() as 'get' | 'put' | 'patch' | 'delete' | 'trace'](path)
          .set(bearer(sys.apiKey)),
      );
      const problem = expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe(allow);
      expect(problem.allow).toEqual(allow.split(', '));
    },
  );

  it('routes every operation /openapi.json declares (none falls through to "no route")', async () => {
    const doc = (await request(sys.url).get('/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const id = (path: string): string =>
      path.includes('/v1/jobs/') || path.includes('job-hints')
        ? 'job_aaaaaaaaaaaaaaaaaaaaaaaaaa'
        : 'dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa';
    const unrouted: string[] = [];
    let operations = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const res = await request(sys.url)
          [method as 'get' | 'post' | 'delete'](path.replace('{id}', id(path)))
          .set(bearer(sys.apiKey))
          .send({});
        operations += 1;
        if (/^no route for/.test(String((res.body as { detail?: unknown }).detail)))
          unrouted.push(`${method} ${path}`);
      }
    }
    expect(operations).toBeGreaterThanOrEqual(19);
    expect(unrouted).toEqual([]);
  });

  it('rejects a Last-Event-ID we never sent with 400 VALIDATION_FAILED instead of replaying everything', async () => {
    const res = await track(
      request(sys.url)
        .get('/v1/deployments/dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa/events')
        .set(bearer(sys.apiKey))
        .set('Last-Event-ID', 'FALSE'),
    );
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('answers OPTIONS on a known path with 204 and the declared methods in Allow', async () => {
    const res = await request(sys.url).options(
      '/v1/deployments/dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa/jobs',
    );
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe('POST, GET, HEAD');
  });

  it('answered none of these requests with a 5xx and stored nothing', async () => {
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.filter((r) => r.status >= 500).map((r) => r.text)).toEqual([]);
    await sys.quiesce(WAIT_MS);
    expect(sys.system.store.size()).toBe(0);
    expect(sys.system.secrets.sealed().size).toBe(0);
    expect(sys.runpod.account(sys.apiKey).endpoints).toEqual([]);
  });
});

describe('deployments over the HTTP API', () => {
  let sys: LocalSystem;
  let ownerB: string;

  beforeAll(async () => {
    sys = await startLocalSystem();
    ownerB = fakeRunPodKey();
    sys.runpod.addAccount(ownerB);
  });
  afterAll(async () => {
    await sys.quiesce(WAIT_MS).catch(() => undefined);
    await sys.close();
  });

  describe('POST /v1/deployments', () => {
    it('accepts a deployment with 202, an id, links, a Location header, timings and a webhook secret', async () => {
      const res = await deploy(sys, {
        hf_model_id: 'stabilityai/sd-turbo',
        user_webhook_url: sys.receiver.url,
      });
      expect(res.status).toBe(202);
      const body = res.body as Record<string, unknown>;
      const id = body.deployment_id as string;
      expect(id).toMatch(/^dpl_[a-z2-7]{26}$/);
      expect(body).toMatchObject({
        status: 'queued',
        links: { self: `/v1/deployments/${id}`, events: `/v1/deployments/${id}/events` },
        poll_interval_s: expect.any(Number) as unknown,
        estimated_ready_s: expect.any(Number) as unknown,
        webhook_secret: expect.stringMatching(/^whsec_/) as unknown,
      });
      expect(res.headers.location).toBe(`/v1/deployments/${id}`);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    });

    it('returns no webhook secret when no webhook URL is given', async () => {
      const res = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
      expect(res.status).toBe(202);
      expect((res.body as { webhook_secret?: unknown }).webhook_secret ?? null).toBeNull();
      expect(res.text).not.toContain('whsec_');
    });

    it("accepts the seed README's curl body", async () => {
      const res = await deploy(sys, { ...SEED_BODY, user_webhook_url: sys.receiver.url });
      expect(res.status).toBe(202);
      const id = (res.body as { deployment_id: string }).deployment_id;
      const got = await request(sys.url).get(`/v1/deployments/${id}`).set(bearer(sys.apiKey));
      expect(got.body).toMatchObject({ hf_model_id: 'stabilityai/sd-turbo' });
      expect((got.body as Deployment).settings.gpu_tier).toBe('A10');
    });

    it('treats X-Runpod-Api-Key like a Bearer key', async () => {
      const res = await request(sys.url)
        .post('/v1/deployments')
        .set('X-Runpod-Api-Key', sys.apiKey)
        .send({ hf_model_id: 'stabilityai/sd-turbo' });
      expect(res.status).toBe(202);
      const id = (res.body as { deployment_id: string }).deployment_id;
      await request(sys.url).get(`/v1/deployments/${id}`).set(bearer(sys.apiKey)).expect(200);
    });
  });

  describe('Idempotency-Key', () => {
    const body = { hf_model_id: 'stabilityai/sd-turbo', metadata: { test: 'idempotency' } };

    it('replays the first response for the same key and body and stores one document', async () => {
      const key = `idem-${randomBytes(6).toString('hex')}`;
      const before = sys.system.store.size();
      const first = await deploy(sys, body, sys.apiKey, { 'Idempotency-Key': key });
      const second = await deploy(sys, body, sys.apiKey, { 'Idempotency-Key': key });
      expect([first.status, second.status]).toEqual([202, 202]);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toEqual(first.body);
      expect(second.headers.location).toBe(first.headers.location);
      expect(sys.system.store.size()).toBe(before + 1);
    });

    it('answers the same key with a different body with 409 IDEMPOTENCY_MISMATCH', async () => {
      const key = `idem-${randomBytes(6).toString('hex')}`;
      await deploy(sys, body, sys.apiKey, { 'Idempotency-Key': key }).then((r) => {
        expect(r.status).toBe(202);
      });
      const before = sys.system.store.size();
      const res = await deploy(sys, { ...body, workers_max: 2 }, sys.apiKey, {
        'Idempotency-Key': key,
      });
      expectProblem(res, 409, 'IDEMPOTENCY_MISMATCH');
      expect(sys.system.store.size()).toBe(before);
    });

    it('stores one document when the same key and body arrive concurrently', async () => {
      const key = `idem-${randomBytes(6).toString('hex')}`;
      const before = sys.system.store.size();
      const results = await Promise.all(
        [1, 2, 3].map(() => deploy(sys, body, sys.apiKey, { 'Idempotency-Key': key })),
      );
      // A request that overlaps the first one's processing may be told to retry (409 CONFLICT).
      for (const r of results) expect([202, 409]).toContain(r.status);
      const accepted = results.filter((r) => r.status === 202);
      expect(
        new Set(accepted.map((r) => (r.body as { deployment_id: string }).deployment_id)).size,
      ).toBe(1);
      for (const r of results.filter((x) => x.status === 409)) expectProblem(r, 409, 'CONFLICT');
      expect(sys.system.store.size()).toBe(before + 1);
      const retry = await deploy(sys, body, sys.apiKey, { 'Idempotency-Key': key });
      expect(retry.status).toBe(202);
      expect(retry.headers['idempotent-replayed']).toBe('true');
    });

    it("scopes keys per owner: another owner's same key creates that owner's own deployment", async () => {
      const key = `idem-${randomBytes(6).toString('hex')}`;
      const a = await deploy(sys, body, sys.apiKey, { 'Idempotency-Key': key });
      const b = await deploy(sys, body, ownerB, { 'Idempotency-Key': key });
      expect([a.status, b.status]).toEqual([202, 202]);
      expect(b.headers['idempotent-replayed']).toBeUndefined();
      const idA = (a.body as { deployment_id: string }).deployment_id;
      const idB = (b.body as { deployment_id: string }).deployment_id;
      expect(idB).not.toBe(idA);
      await request(sys.url).get(`/v1/deployments/${idB}`).set(bearer(ownerB)).expect(200);
      await request(sys.url).get(`/v1/deployments/${idB}`).set(bearer(sys.apiKey)).expect(404);
    });
  });

  describe('tenant isolation', () => {
    let idA: string;
    beforeAll(async () => {
      idA = await deployOk(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    });

    it.each([
      ['GET', (id: string) => request(sys.url).get(`/v1/deployments/${id}`)],
      ['DELETE', (id: string) => request(sys.url).delete(`/v1/deployments/${id}`)],
      ['GET events', (id: string) => request(sys.url).get(`/v1/deployments/${id}/events`)],
    ])("answers %s of another owner's deployment with 404 NOT_FOUND", async (_what, send) => {
      const res = await send(idA).set(bearer(ownerB));
      expectProblem(res, 404, 'NOT_FOUND');
      const doc = await sys.system.store.get(idA);
      expect(doc?.history.map((h) => h.to)).not.toContain('deleting');
    });

    it("leaves another owner's deployment out of the list", async () => {
      const res = await request(sys.url).get('/v1/deployments?limit=100').set(bearer(ownerB));
      expect(res.status).toBe(200);
      const ids = (res.body as { data: Deployment[] }).data.map((d) => d.deployment_id);
      expect(ids).not.toContain(idA);
    });

    it.each(['not-an-id', `dpl_${'A'.repeat(26)}`, `dpl_${'a'.repeat(27)}`, 'dpl_..%2F..'])(
      'answers the malformed id %s with 404 NOT_FOUND',
      async (id) => {
        expectProblem(
          await request(sys.url).get(`/v1/deployments/${id}`).set(bearer(sys.apiKey)),
          404,
          'NOT_FOUND',
        );
      },
    );
  });

  describe('GET /v1/deployments', () => {
    let ownerC: string;
    const created: string[] = [];

    beforeAll(async () => {
      ownerC = fakeRunPodKey();
      sys.runpod.addAccount(ownerC);
      // Unknown models fail at validation: nothing reaches RunPod, statuses end up stable.
      for (let i = 0; i < 5; i++) {
        created.push(await deployOk(sys, { hf_model_id: 'nobody-here/does-not-exist' }, ownerC));
      }
      for (const id of created) await sys.waitForStatus(id, ['failed'], WAIT_MS);
      await request(sys.url)
        .delete(`/v1/deployments/${created[0]}`)
        .set(bearer(ownerC))
        .expect(202);
      await sys.waitForStatus(created[0]!, ['deleted'], WAIT_MS);
    });

    it('lists newest first and pages with limit and next_cursor over every deployment once', async () => {
      const pages: Deployment[][] = [];
      let cursor: string | null = null;
      do {
        const res: Res = await request(sys.url)
          .get('/v1/deployments')
          .query({ limit: 2, ...(cursor === null ? {} : { cursor }) })
          .set(bearer(ownerC));
        expect(res.status).toBe(200);
        const page = res.body as { data: Deployment[]; next_cursor: string | null };
        expect(page.data.length).toBeLessThanOrEqual(2);
        pages.push(page.data);
        cursor = page.next_cursor;
      } while (cursor !== null && pages.length < 10);
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      const all = pages.flat();
      const ids = all.map((d) => d.deployment_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...created].sort());
      const keys = all.map((d) => `${d.created_at}|${d.deployment_id}`);
      expect(keys).toEqual([...keys].sort().reverse());
      expect(ids.at(-1)).toBe(
        [...created].sort((x, y) => {
          const cx = all.find((d) => d.deployment_id === x)!.created_at;
          const cy = all.find((d) => d.deployment_id === y)!.created_at;
          return cx === cy ? (x < y ? -1 : 1) : cx < cy ? -1 : 1;
        })[0],
      );
      for (const d of all) expect(d).not.toHaveProperty('owner_hash');
    });

    it.each([
      ['deleted', 1],
      ['failed', 4],
      ['ready', 0],
    ])('filters by status=%s', async (status, count) => {
      const res = await request(sys.url)
        .get('/v1/deployments')
        .query({ status, limit: 100 })
        .set(bearer(ownerC));
      expect(res.status).toBe(200);
      const data = (res.body as { data: Deployment[] }).data;
      expect(data).toHaveLength(count);
      for (const d of data) expect(d.status).toBe(status);
      if (status === 'deleted') expect(data[0]?.deployment_id).toBe(created[0]);
    });

    it.each([
      ['limit=0', { limit: '0' }],
      ['limit=101', { limit: '101' }],
      ['limit=abc', { limit: 'abc' }],
      ['status=bogus', { status: 'bogus' }],
      ['a cursor this API never returned', { cursor: 'garbage' }],
      [
        'a cursor of valid base64 JSON of the wrong shape',
        { cursor: Buffer.from('{}').toString('base64url') },
      ],
      ['an unknown query parameter', { sort: 'asc' }],
    ])('rejects %s with 400 VALIDATION_FAILED', async (_what, query) => {
      const res = await request(sys.url).get('/v1/deployments').query(query).set(bearer(ownerC));
      expectProblem(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('a deployment that reaches ready', () => {
    let id: string;
    let ready: Deployment;
    let frames: SseFrame[];
    let streamStatus: number;
    let streamType: string;

    beforeAll(async () => {
      id = await deployOk(sys, {
        hf_model_id: 'stabilityai/sd-turbo',
        user_webhook_url: sys.receiver.url,
        metadata: { team: 'api-tests' },
      });
      // The stream starts while the pipeline runs and is read until the server closes it.
      const stream = await readSse(sys.url, `/v1/deployments/${id}/events`, sys.apiKey);
      frames = stream.frames;
      streamStatus = stream.status;
      streamType = stream.contentType;
      ready = await sys.waitForStatus(id, ['ready'], WAIT_MS);
      await sys.waitForDoc(
        id,
        (d) => d.webhook?.deliveries.some((x) => x.status === 'delivered') === true,
        WAIT_MS,
        'webhook delivered',
      );
    });

    it('streams status events with increasing ids in pipeline order and closes at ready', () => {
      expect(streamStatus).toBe(200);
      expect(streamType).toMatch(/^text\/event-stream/);
      expect(frames.length).toBeGreaterThan(0);
      for (const f of frames) expect(f.event).toBe('status');
      const ids = frames.map((f) => Number(f.id));
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
      const statuses = frames.map(statusOf);
      const order = statuses.map((s) => PIPELINE_ORDER.indexOf(s));
      expect(order).not.toContain(-1);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(statuses.at(-1)).toBe('ready');
      expect(statuses.filter((s) => s === 'ready')).toHaveLength(1);
      for (const f of frames) {
        const doc = JSON.parse(f.data) as Record<string, unknown>;
        expect(doc.deployment_id).toBe(id);
        expect(doc).not.toHaveProperty('owner_hash');
        expect(doc).not.toHaveProperty('runtime');
      }
    });

    it('resumes after Last-Event-ID without re-sending earlier events', async () => {
      const mid = Number(frames[Math.floor(frames.length / 2)]!.id);
      const resumed = await readSse(
        sys.url,
        `/v1/deployments/${id}/events`,
        sys.apiKey,
        String(mid),
      );
      expect(resumed.status).toBe(200);
      expect(resumed.frames.length).toBeGreaterThan(0);
      for (const f of resumed.frames) expect(Number(f.id)).toBeGreaterThan(mid);
      expect(resumed.frames.map(statusOf).at(-1)).toBe('ready');

      const latest = (await sys.system.store.get(id))!;
      const upToDate = await readSse(
        sys.url,
        `/v1/deployments/${id}/events`,
        sys.apiKey,
        String(latest.version),
      );
      // Anything sent after the client's last version is newer than it; nothing older comes back.
      expect(upToDate.status).toBe(200);
      for (const f of upToDate.frames) expect(Number(f.id)).toBeGreaterThan(latest.version);
    });

    it('returns the documented fields and nothing internal or secret', async () => {
      const res = await request(sys.url).get(`/v1/deployments/${id}`).set(bearer(sys.apiKey));
      expect(res.status).toBe(200);
      const doc = res.body as Record<string, unknown> & Deployment;
      expect(doc).toMatchObject({
        deployment_id: id,
        status: 'ready',
        hf_model_id: 'stabilityai/sd-turbo',
        revision_sha: expect.stringMatching(/^[0-9a-f]{40}$/) as unknown,
        task: 'text-to-image',
        pipeline: 'StableDiffusionPipeline',
        endpoint_id: expect.any(String) as unknown,
        endpoint_url: expect.stringMatching(/\/run$/) as unknown,
        metadata: { team: 'api-tests' },
        error: null,
        created_at: expect.any(String) as unknown,
        updated_at: expect.any(String) as unknown,
      });
      expect(doc.estimate?.components.length).toBeGreaterThan(0);
      for (const c of doc.estimate!.components) {
        expect(c).toMatchObject({
          name: expect.any(String) as unknown,
          dtype: expect.any(String) as unknown,
          bytes: expect.any(Number) as unknown,
        });
      }
      expect(doc.estimate?.vram_bytes).toBeGreaterThan(0);
      expect(doc.gpu).toMatchObject({
        pool: 'AMPERE_16',
        fallback_pools: expect.any(Array) as unknown,
        price_per_hour_usd: expect.any(Number) as unknown,
      });
      expect(doc.cost.price_per_hour_usd).toBe(doc.gpu?.price_per_hour_usd);
      expect(doc.progress).toMatchObject({ stage: 'ready' });
      expect(doc.timings.ready_at).not.toBeNull();
      expect(doc.history.map((h) => h.to).slice(0, 6)).toEqual(PIPELINE_ORDER);
      expect(doc.webhook?.url_host).toBe(new URL(sys.receiver.url).host);
      expect(doc.webhook?.deliveries.length).toBeGreaterThan(0);
      expect(doc.webhook?.deliveries[0]).toMatchObject({
        event: 'deployment.ready',
        id: expect.any(String) as unknown,
        attempts: expect.any(Number) as unknown,
        status: 'delivered',
      });

      for (const hidden of ['owner_hash', 'runtime', 'version', 'secrets', 'webhook_secret']) {
        expect(doc).not.toHaveProperty(hidden);
      }
      expect(res.text).not.toContain(sys.apiKey);
      expect(res.text).not.toContain('whsec_');
      expect(res.text).not.toContain(sys.receiver.url);
      expect(res.text).not.toContain(new URL(sys.receiver.url).pathname);
      expect(res.text).not.toContain(ready.owner_hash);
    });

    it('validates against the Deployment schema of /openapi.json', async () => {
      const spec = (await request(sys.url).get('/openapi.json')).body as {
        components: { schemas: Record<string, object> };
      };
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      const validate = ajv.compile(spec.components.schemas.Deployment!);
      const res = await request(sys.url).get(`/v1/deployments/${id}`).set(bearer(sys.apiKey));
      expect(validate(res.body) ? [] : validate.errors).toEqual([]);
    });

    it('accepts worker events only with the deployment events token from the template env', async () => {
      const template = sys.runpod
        .account(sys.apiKey)
        .templates.find((t) => t.env.VISGATE_DEPLOYMENT_ID === id);
      const token = template?.env.VISGATE_EVENTS_TOKEN;
      expect(token).toEqual(expect.any(String));
      const path = `/internal/worker-events/${id}`;
      const event = { type: 'loading', worker_id: 'w1' };

      expectProblem(await request(sys.url).post(path).send(event), 404, 'NOT_FOUND');
      expectProblem(
        await request(sys.url).post(path).set(bearer('wrong-token-123456')).send(event),
        404,
        'NOT_FOUND',
      );
      expectProblem(
        await request(sys.url).post(path).set(bearer(sys.apiKey)).send(event),
        404,
        'NOT_FOUND',
      );
      const other = await deployOk(sys, { hf_model_id: 'nobody-here/does-not-exist' });
      expectProblem(
        await request(sys.url)
          .post(`/internal/worker-events/${other}`)
          .set(bearer(token!))
          .send(event),
        404,
        'NOT_FOUND',
      );
      for (const bad of [{ type: 'exploded' }, { type: 'downloading', bytes_done: -1 }, 'text']) {
        expectProblem(
          await request(sys.url).post(path).set(bearer(token!)).send(bad),
          400,
          'VALIDATION_FAILED',
        );
      }
      await request(sys.url).post(path).set(bearer(token!)).send(event).expect(204);
      // A late event for a ready deployment is accepted and changes nothing.
      expect((await sys.system.store.get(id))?.status).toBe('ready');
    });

    it('deletes with 202, removes the RunPod endpoint and template, and a repeated DELETE is harmless', async () => {
      const del = await request(sys.url).delete(`/v1/deployments/${id}`).set(bearer(sys.apiKey));
      expect(del.status).toBe(202);
      expect((del.body as Deployment).status).toBe('deleting');
      const deleted = await sys.waitForStatus(id, ['deleted'], WAIT_MS);
      expect(deleted.history.map((h) => h.to).slice(-2)).toEqual(['deleting', 'deleted']);
      const account = sys.runpod.account(sys.apiKey);
      expect(account.endpoints.filter((e) => e.name === runpodResourceName(id))).toEqual([]);
      expect(account.templates.filter((t) => t.env.VISGATE_DEPLOYMENT_ID === id)).toEqual([]);
      expect(account.templates.filter((t) => t.name.includes(id))).toEqual([]);

      const again = await request(sys.url).delete(`/v1/deployments/${id}`).set(bearer(sys.apiKey));
      expect(again.status).toBe(202);
      expect((again.body as Deployment).status).toBe('deleted');
      await sys.quiesce(WAIT_MS);
      expect((await sys.system.store.get(id))?.status).toBe('deleted');
    });
  });

  it('moves a deployment through deleting to deleted when DELETE comes while it is in flight', async () => {
    const id = await deployOk(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const del = await request(sys.url).delete(`/v1/deployments/${id}`).set(bearer(sys.apiKey));
    expect(del.status).toBe(202);
    expect(['deleting', 'deleted']).toContain((del.body as Deployment).status);
    await sys.waitForStatus(id, ['deleted'], WAIT_MS);
    await sys.quiesce(WAIT_MS);
    const account = sys.runpod.account(sys.apiKey);
    expect(account.endpoints.filter((e) => e.name === runpodResourceName(id))).toEqual([]);
    expect(account.templates.filter((t) => t.env.VISGATE_DEPLOYMENT_ID === id)).toEqual([]);
  });
});

describe('GET /v1/gpus, /v1/models, /health and /openapi.json', () => {
  let sys: LocalSystem;
  beforeAll(async () => {
    sys = await startLocalSystem({ runpod: { capacity: { AMPERE_16: 0, ADA_24: 2 } } });
  });
  afterAll(async () => {
    await sys.close();
  });

  interface PoolView {
    pool: string;
    price_per_hour_usd: number;
    price_per_second_usd: number;
    usable_vram_bytes: number;
    availability: string | null;
    cards: { id: string }[];
  }
  const expectSortedByPrice = (pools: PoolView[]): void => {
    const prices = pools.map((p) => p.price_per_second_usd);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
  };

  it('serves the static catalog without a key', async () => {
    const res = await request(sys.url).get('/v1/gpus');
    expect(res.status).toBe(200);
    const body = res.body as { source: string; data: PoolView[] };
    expect(body.source).toBe('static');
    expect(body.data.length).toBeGreaterThan(3);
    expectSortedByPrice(body.data);
    for (const p of body.data) {
      expect(p.availability).toBeNull();
      expect(p.cards.length).toBeGreaterThan(0);
      expect(p.usable_vram_bytes).toBeGreaterThan(0);
    }
  });

  it('serves the live catalog with stock from RunPod when a key is sent', async () => {
    const res = await request(sys.url).get('/v1/gpus').set(bearer(sys.apiKey));
    expect(res.status).toBe(200);
    const body = res.body as { source: string; data: PoolView[] };
    expect(body.source).toBe('live');
    expectSortedByPrice(body.data);
    const byId = new Map(body.data.map((p) => [p.pool, p]));
    expect(byId.get('AMPERE_16')?.availability).toBe('NONE');
    expect(byId.get('ADA_24')?.availability).toBe('LOW');
    expect(byId.get('AMPERE_24')?.availability).toBe('HIGH');
  });

  it('lists 25 models, FLUX.1-dev needing more than 24 GiB', async () => {
    const res = await request(sys.url).get('/v1/models');
    expect(res.status).toBe(200);
    const data = (res.body as { data: { hf_model_id: string; vram_bytes: number }[] }).data;
    expect(data).toHaveLength(25);
    const flux = data.find((m) => m.hf_model_id === 'black-forest-labs/FLUX.1-dev');
    expect(flux?.vram_bytes).toBeGreaterThan(24 * 1024 ** 3);
  });

  it('answers /health', async () => {
    const res = await request(sys.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok' });
  });

  describe('/openapi.json', () => {
    let spec: { openapi: string; components: { schemas: Record<string, object> } };
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    beforeAll(async () => {
      const res = await request(sys.url).get('/openapi.json');
      expect(res.status).toBe(200);
      spec = res.body as typeof spec;
    });

    it('is an OpenAPI 3.1.0 document', () => {
      expect(spec.openapi).toBe('3.1.0');
      expect(Object.keys(spec.components.schemas)).toEqual(
        expect.arrayContaining(['CreateDeployment', 'Deployment', 'Problem', 'WorkerEvent']),
      );
    });

    it('has component schemas that all compile as JSON Schema 2020-12', () => {
      for (const [name, schema] of Object.entries(spec.components.schemas)) {
        expect(() => ajv.compile(schema)).not.toThrow();
        expect(name).toBeTruthy();
      }
    });

    it("accepts the seed's curl body and rejects an unknown field in CreateDeployment", () => {
      const validate = ajv.compile(spec.components.schemas.CreateDeployment!);
      expect(validate(SEED_BODY) ? [] : validate.errors).toEqual([]);
      expect(validate({ ...SEED_BODY, colour: 'red' })).toBe(false);
      expect(validate({ gpu_tier: 'A10' })).toBe(false);
    });

    it('describes a real problem body with the Problem schema', async () => {
      const validate = ajv.compile(spec.components.schemas.Problem!);
      const res = await request(sys.url).post('/v1/deployments').set(bearer(sys.apiKey)).send({});
      expect(validate(res.body) ? [] : validate.errors).toEqual([]);
    });
  });
});

describe('POST /v1/estimates', () => {
  let sys: LocalSystem;
  beforeAll(async () => {
    sys = await startLocalSystem();
  });
  afterAll(async () => {
    await sys.close();
  });
  const estimate = (body: Record<string, unknown>): Promise<Res> =>
    request(sys.url).post('/v1/estimates').set(bearer(sys.apiKey)).send(body);

  it('estimates sd-turbo on AMPERE_16 with a price', async () => {
    const res = await estimate({ hf_model_id: 'stabilityai/sd-turbo' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      hf_model_id: 'stabilityai/sd-turbo',
      gpu: {
        pool: 'AMPERE_16',
        price_per_hour_usd: expect.any(Number) as unknown,
        fallback_pools: expect.any(Array) as unknown,
      },
      estimate: { vram_bytes: expect.any(Number) as unknown },
    });
    expect((res.body as { estimate: { vram_bytes: number } }).estimate.vram_bytes).toBeGreaterThan(
      0,
    );
  });

  it('answers FLUX.1-schnell on 4090 cards with 422 MODEL_TOO_LARGE and the bytes it needs', async () => {
    const res = await estimate({
      hf_model_id: 'black-forest-labs/FLUX.1-schnell',
      gpu_tier: '4090',
    });
    const problem = expectProblem(res, 422, 'MODEL_TOO_LARGE');
    expect(problem.need_bytes).toBeGreaterThan(24 * 1024 ** 3);
  });

  it('answers gated FLUX.1-dev without a token with 403 MODEL_GATED', async () => {
    expectProblem(
      await estimate({ hf_model_id: 'black-forest-labs/FLUX.1-dev' }),
      403,
      'MODEL_GATED',
    );
  });

  it('estimates gated FLUX.1-dev with a token that accepted the licence', async () => {
    const token = `hf_${randomBytes(12).toString('hex')}`;
    sys.hub.addToken(token, { canAccessGated: ['black-forest-labs/FLUX.1-dev'] });
    const res = await estimate({ hf_model_id: 'black-forest-labs/FLUX.1-dev', hf_token: token });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(token);
    expect((res.body as { model: { gated: unknown } }).model.gated).not.toBe(false);
  });

  it('answers an unknown model with 404 MODEL_NOT_FOUND', async () => {
    expectProblem(
      await estimate({ hf_model_id: 'nobody-here/does-not-exist' }),
      404,
      'MODEL_NOT_FOUND',
    );
  });

  it('validates the body like a deployment', async () => {
    expectProblem(await estimate({ hf_model_id: 'a/b/c' }), 400, 'VALIDATION_FAILED');
  });

  it('created nothing: no document, no secret, no RunPod endpoint or template', async () => {
    await sys.quiesce(WAIT_MS);
    expect(sys.system.store.size()).toBe(0);
    expect(sys.system.secrets.sealed().size).toBe(0);
    const account = sys.runpod.account(sys.apiKey);
    expect(account.endpoints).toEqual([]);
    expect(account.templates).toEqual([]);
  });
});

describe('secret hygiene', () => {
  let sys: LocalSystem;
  let hook: WebhookReceiver;
  const hex = (n: number): string => randomBytes(n).toString('hex');
  const hfToken = `hf_PLANTEDHFTOKEN${hex(10)}`;
  const webhookQuerySecret = `WEBHOOKSECRET${hex(10)}`;
  const s3KeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const s3Secret = `S3SECRETPLANTED${hex(12)}`;
  const responses: string[] = [];
  const sseFrames: string[] = [];
  let whsec = '';
  let id = '';

  beforeAll(async () => {
    sys = await startLocalSystem();
    hook = await startWebhookReceiver(`/hook?token=${webhookQuerySecret}`);
    sys.hub.addToken(hfToken, { canAccessGated: ['black-forest-labs/FLUX.1-dev'] });
  });
  afterAll(async () => {
    await sys.close();
    await hook.close();
  });

  const keep = (res: Res): Res => {
    responses.push(`${JSON.stringify(res.headers)}\n${res.text}`);
    return res;
  };

  it('deploys gated FLUX.1-dev with a token, a secret webhook URL and a private cache, then deletes it', async () => {
    const created = await deploy(sys, {
      hf_model_id: 'black-forest-labs/FLUX.1-dev',
      hf_token: hfToken,
      user_webhook_url: hook.url,
      cache: {
        scope: 'private',
        s3_url: 's3://bucket/p',
        access_key_id: s3KeyId,
        secret_access_key: s3Secret,
      },
    });
    expect(created.status).toBe(202);
    id = (created.body as { deployment_id: string }).deployment_id;
    whsec = (created.body as { webhook_secret: string }).webhook_secret;
    expect(whsec).toMatch(/^whsec_/);
    expect(id).toMatch(DEPLOYMENT_ID_PATTERN);

    const stream = await readSse(sys.url, `/v1/deployments/${id}/events`, sys.apiKey);
    sseFrames.push(stream.raw);
    const ready = await sys.waitForStatus(id, ['ready', 'failed'], WAIT_MS);
    expect(ready.error).toBeNull();
    await hook.waitFor((r) => r.some((x) => x.status < 300), WAIT_MS);
    await sys.waitForDoc(
      id,
      (d) => d.webhook?.deliveries.some((x) => x.status === 'delivered') === true,
      WAIT_MS,
      'webhook delivered',
    );

    // The user's own HF token is in their own template env for a gated model; nothing else secret is.
    const template = sys.runpod
      .account(sys.apiKey)
      .templates.find((t) => t.env.VISGATE_DEPLOYMENT_ID === id);
    expect(template?.env.HF_TOKEN).toBe(hfToken);
    const templateEnv = JSON.stringify(template?.env);
    for (const s of [sys.apiKey, s3Secret, s3KeyId, webhookQuerySecret, whsec]) {
      expect(templateEnv).not.toContain(s);
    }
    // RunPod copies the template into the endpoint at creation (spec: CreateEndpointRequest
    // templateId), so the endpoint's env holds the same token, and nothing else secret.
    const endpoint = sys.runpod
      .account(sys.apiKey)
      .endpoints.find((e) => e.name === runpodResourceName(id));
    expect(endpoint?.env).toEqual(template?.env);
    for (const s of [sys.apiKey, s3Secret, s3KeyId, webhookQuerySecret, whsec]) {
      expect(JSON.stringify(endpoint)).not.toContain(s);
    }

    keep(await request(sys.url).get(`/v1/deployments/${id}`).set(bearer(sys.apiKey)));
    keep(await request(sys.url).get('/v1/deployments').set(bearer(sys.apiKey)));
    keep(
      await request(sys.url)
        .post('/v1/estimates')
        .set(bearer(sys.apiKey))
        .send({ hf_model_id: 'black-forest-labs/FLUX.1-dev', hf_token: hfToken }),
    );
    keep(await request(sys.url).delete(`/v1/deployments/${id}`).set(bearer(sys.apiKey)));
    await sys.waitForStatus(id, ['deleted'], WAIT_MS);
    await hook.waitFor(
      (r) => r.some((x) => (JSON.parse(x.body) as { type: string }).type === 'deployment.deleted'),
      WAIT_MS,
    );
    await sys.quiesce(WAIT_MS);
    keep(await request(sys.url).get(`/v1/deployments/${id}`).set(bearer(sys.apiKey)));
    const after = await readSse(sys.url, `/v1/deployments/${id}/events`, sys.apiKey);
    sseFrames.push(after.raw);
    expect(after.frames.map(statusOf)).toEqual(['deleted']);
  });

  it('keeps the RunPod key, HF token, S3 secret, webhook query secret and webhook secret out of everything it stores, logs, sends and answers', async () => {
    expect(id).not.toBe('');
    const planted = {
      runpodKey: sys.apiKey,
      hfToken,
      s3Secret,
      s3KeyId,
      webhookQuerySecret,
      whsec,
    };
    const owner = ownerHash(sys.system.deps.config.secrets.ownerPepper, sys.apiKey);
    const stored = await sys.system.store.list({ ownerHash: owner, limit: 100 });
    expect(stored.docs.map((d) => d.deployment_id)).toContain(id);
    const places: Record<string, string> = {
      'stored documents': JSON.stringify(stored.docs),
      'log lines': sys.log.lines.join('\n'),
      'webhook bodies and headers': JSON.stringify(
        hook.received.map((r) => ({ headers: r.headers, body: r.body })),
      ),
      'API responses': responses.join('\n'),
      'SSE frames': sseFrames.join('\n'),
      'sealed secret blobs': JSON.stringify([...sys.system.secrets.sealed().entries()]),
    };
    expect(hook.received.length).toBeGreaterThanOrEqual(2);
    expect(sys.log.lines.length).toBeGreaterThan(10);
    const leaks: string[] = [];
    for (const [where, text] of Object.entries(places)) {
      for (const [what, secret] of Object.entries(planted)) {
        if (text.includes(secret)) leaks.push(`${what} in ${where}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('leaves no RunPod template holding any secret once deleted', () => {
    const account = sys.runpod.account(sys.apiKey);
    expect(account.templates.filter((t) => t.env.VISGATE_DEPLOYMENT_ID === id)).toEqual([]);
    const everything = JSON.stringify(account);
    for (const s of [sys.apiKey, hfToken, s3Secret, webhookQuerySecret, whsec]) {
      expect(everything).not.toContain(s);
    }
  });

  it.each([
    ['a key in the rpa_ format', () => fakeRunPodKey()],
    [
      'a legacy key without a recognisable prefix',
      () => randomBytes(20).toString('hex').toUpperCase(),
    ],
  ])(
    'keeps an unknown RunPod key (%s) out of its 401 body and the logs',
    async (_what, makeKey) => {
      const unknownKey = makeKey();
      const res = await request(sys.url)
        .post('/v1/deployments')
        .set(bearer(unknownKey))
        .send({ hf_model_id: 'stabilityai/sd-turbo', hf_token: hfToken });
      expectProblem(res, 401, 'RUNPOD_AUTH');
      expect(res.text).not.toContain(unknownKey);
      expect(res.text).not.toContain(hfToken);
      const est = await request(sys.url)
        .post('/v1/estimates')
        .set(bearer(unknownKey))
        .send({ hf_model_id: 'stabilityai/sd-turbo' });
      expect(est.text).not.toContain(unknownKey);
      const gpus = await request(sys.url).get('/v1/gpus').set('X-Runpod-Api-Key', unknownKey);
      expect(gpus.status).toBe(200);
      expect(gpus.text).not.toContain(unknownKey);
      const logs = sys.log.lines.join('\n');
      expect(logs).not.toContain(unknownKey);
      expect(logs).not.toContain(hfToken);
    },
  );
});
