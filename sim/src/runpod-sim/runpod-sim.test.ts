import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { waitUntil } from '../wait-until';
import { createRunPodClient, type RunPodApi } from '@visgate/functions';
import { specValidator } from './openapi-spec';
import { startRunPodSim, type RunPodSim, type RunPodSimOptions } from './index';

interface ReceivedEvent {
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/** A loopback receiver for worker events; `failFirst` answers 500 to that many requests first. */
async function startReceiver(
  failFirst = 0,
): Promise<{ url: string; events: ReceivedEvent[]; server: Server }> {
  const events: ReceivedEvent[] = [];
  let toFail = failFirst;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (toFail > 0) {
        toFail -= 1;
        res.writeHead(500).end();
        return;
      }
      events.push({
        authorization: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/internal/worker-events`, events, server };
}

const KEY = `rpa_TEST${randomBytes(12).toString('hex')}`;
const OTHER_KEY = `rpa_TEST${randomBytes(12).toString('hex')}`;
const TOKEN = `evt_${randomBytes(8).toString('hex')}`;

let sim: RunPodSim;
let client: RunPodApi;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

async function setUp(options: Partial<RunPodSimOptions> = {}, failFirst = 0): Promise<void> {
  sim = await startRunPodSim(options);
  sim.addAccount(KEY);
  sim.addAccount(OTHER_KEY);
  client = createRunPodClient({ apiBaseUrl: sim.url, endpointBaseUrl: sim.url, timeoutMs: 2_000 });
  receiver = await startReceiver(failFirst);
}

afterEach(async () => {
  // Every body the simulator sent must be one RunPod could send.
  const spec = specValidator();
  // GraphQL answers are shaped by graphql-js against the simulator's schema, not the REST spec.
  for (const r of sim.responses.filter((x) => x.route !== '/graphql')) {
    const problems =
      r.plane === 'management' && r.route !== null
        ? spec.validateResponse(r.method, r.route, r.status, r.body)
        : r.status >= 400
          ? spec.validateSchema('ErrorResponse', r.body)
          : [];
    // …and carry no field the spec does not declare (RunPod's v2 Endpoint has no templateId).
    const invented =
      r.plane === 'management' && r.route !== null
        ? spec.undeclaredFields(r.method, r.route, r.status, r.body)
        : [];
    expect({ call: `${r.method} ${r.path} ${r.status}`, problems, invented }).toEqual({
      call: `${r.method} ${r.path} ${r.status}`,
      problems: [],
      invented: [],
    });
    if (r.status >= 400) expect(r.contentType).toBe('application/problem+json');
  }
  await sim.close();
  await new Promise((resolve) => receiver?.server.close(resolve));
});

/** A GraphQL call with the key in the Authorization header, as runpodctl sends it. */
async function gql(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: unknown; errors?: { message: string }[] }> {
  const res = await fetch(`${sim.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: unknown; errors?: { message: string }[] };
}

async function deployTemplate(env: Record<string, string> = {}): Promise<string> {
  const template = await client.createTemplate(KEY, {
    name: `visgate-${randomBytes(4).toString('hex')}`,
    image: 'visgate/worker:1.0.0',
    diskGb: 20,
    env: {
      VISGATE_EVENTS_URL: receiver!.url,
      VISGATE_EVENTS_TOKEN: TOKEN,
      VISGATE_MODEL_ID: 'stabilityai/sd-turbo',
      VISGATE_MODEL_BYTES: '1000',
      ...env,
    },
  });
  return template.id;
}

async function deployEndpoint(templateId: string, pools = ['AMPERE_16'], workersMin = 1) {
  return client.createEndpoint(KEY, {
    name: 'visgate-test',
    templateId,
    pools,
    workersMin,
    workersMax: 2,
    idleTimeoutS: 10,
    flashboot: true,
    dataCenterIds: null,
    executionTimeoutMs: 600_000,
    minCudaVersion: null,
  });
}

describe('RunPod simulator', () => {
  it('runs a deployment lifecycle from catalog to template deletion', async () => {
    await setUp();
    const gpus = await client.listGpuTypes(KEY);
    expect(gpus.find((g) => g.id === 'NVIDIA GeForce RTX 4090')).toMatchObject({
      pool: 'ADA_24',
      memoryGb: 24,
      serverlessPricePerHour: 1.116,
      availability: 'HIGH',
    });

    const templateId = await deployTemplate();
    const endpoint = await deployEndpoint(templateId, ['AMPERE_16', 'AMPERE_24']);
    expect(endpoint).toMatchObject({ pools: ['AMPERE_16', 'AMPERE_24'], workersMin: 1 });
    expect(endpoint.runUrl).toBe(`${sim.url}/v2/${endpoint.id}/run`);

    await sim.waitFor(() => receiver!.events.some((e) => e.body.type === 'ready'), {
      what: 'ready',
    });
    const workers = await client.listWorkers(KEY, endpoint.id);
    expect(workers).toEqual([
      expect.objectContaining({ status: 'IDLE', gpuTypeId: 'NVIDIA RTX A4000' }),
    ]);
    expect((await client.health(KEY, endpoint.id)).workers).toMatchObject({ idle: 1, ready: 1 });

    const job = await client.runJob(KEY, endpoint.id, { prompt: 'a cat', width: 64, height: 96 });
    await sim.waitFor(() => sim.account(KEY).jobs.find((j) => j.status === 'COMPLETED'));
    const status = await client.jobStatus(KEY, endpoint.id, job.id);
    expect(status).toMatchObject({
      id: job.id,
      status: 'COMPLETED',
      output: { images: [{ content_type: 'image/png', width: 64, height: 96 }] },
    });
    const png = Buffer.from(
      (status.output as { images: { base64: string }[] }).images[0]!.base64,
      'base64',
    );
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');

    const patched = await client.updateEndpoint(KEY, endpoint.id, { workersMin: 0, workersMax: 0 });
    expect(patched).toMatchObject({ workersMin: 0, workersMax: 0 });
    expect(sim.account(KEY).workers).toEqual([]);

    expect((await client.listEndpoints(KEY)).map((e) => e.id)).toEqual([endpoint.id]);
    await client.deleteEndpoint(KEY, endpoint.id);
    await client.deleteTemplate(KEY, templateId);
    expect(await client.listTemplates(KEY)).toEqual([]);
    expect(sim.calls.filter((c) => c.plane === 'management').length).toBeGreaterThan(5);
  });

  it('posts worker events in order with the events token', async () => {
    await setUp();
    await deployEndpoint(await deployTemplate());
    await sim.waitFor(() => receiver!.events.some((e) => e.body.type === 'ready'));
    const events = receiver!.events;
    expect(events.map((e) => e.body.type)).toEqual([
      'downloading',
      'downloading',
      'downloading',
      'loading',
      'ready',
    ]);
    expect(events.map((e) => e.body.bytes_done).slice(0, 3)).toEqual([0, 500, 1000]);
    expect(new Set(events.map((e) => e.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]));
    expect(events[4]!.body).toMatchObject({
      source: 'huggingface',
      worker_id: sim.account(KEY).workers[0]!.id,
      timings: { fetch_s: expect.any(Number), load_s: expect.any(Number) },
      peak_vram_bytes: expect.any(Number),
    });
  });

  it('retries a failing callback and still brings the worker up', async () => {
    await setUp({}, 2);
    await deployEndpoint(await deployTemplate());
    await sim.waitFor(() => sim.account(KEY).workers.find((w) => w.delivered.includes('ready')));
    expect(receiver!.events.map((e) => e.body.type)[0]).toBe('downloading');
    expect(sim.account(KEY).workers[0]!.status).toBe('IDLE');
  });

  it('brings up a worker that has no events URL without calling back', async () => {
    await setUp();
    await deployEndpoint(await deployTemplate({ VISGATE_EVENTS_URL: '' }));
    await sim.waitFor(() => sim.account(KEY).workers.find((w) => w.status === 'IDLE'));
    expect(receiver!.events).toEqual([]);
  });

  it('answers 401 problem+json to a missing or unknown key', async () => {
    await setUp();
    const missing = await fetch(`${sim.url}/v2/serverless`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      title: 'Unauthorized',
      status: 401,
      detail: 'missing bearer token',
    });
    await expect(client.verifyKey('rpa_TESTunknown')).rejects.toMatchObject({
      code: 'RUNPOD_AUTH',
    });
  });

  it("hides one account's endpoints from another", async () => {
    await setUp();
    const endpoint = await deployEndpoint(await deployTemplate());
    await expect(client.getEndpoint(OTHER_KEY, endpoint.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(client.health(OTHER_KEY, endpoint.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await client.listEndpoints(OTHER_KEY)).toEqual([]);
  });

  it('rejects a body the spec forbids with 400 and errors[]', async () => {
    await setUp();
    const res = await fetch(`${sim.url}/v2/templates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', image: 'y', isServerless: true }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: string[] };
    expect(body.errors.join(' ')).toMatch(/unevaluated/);
  });

  it('refuses to delete a template an endpoint uses', async () => {
    await setUp();
    const templateId = await deployTemplate();
    await deployEndpoint(templateId);
    await expect(client.deleteTemplate(KEY, templateId)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('reports a crash-looping worker as unhealthy and counts restarts', async () => {
    await setUp({ crashLoopModels: ['stabilityai/sd-turbo'] });
    const endpoint = await deployEndpoint(await deployTemplate());
    await sim.waitFor(() => sim.account(KEY).workers.find((w) => w.restarts >= 2));
    await sim.waitFor(() => sim.account(KEY).workers.find((w) => w.status === 'UNHEALTHY'));
    expect((await client.health(KEY, endpoint.id)).workers.unhealthy).toBe(1);
    expect(receiver!.events.filter((e) => e.body.type === 'ready')).toEqual([]);
  });

  it('posts failed instead of ready when the load fails', async () => {
    await setUp({ failLoad: { code: 'CUDA_OOM', message: 'out of memory' } });
    await deployEndpoint(await deployTemplate());
    await sim.waitFor(() => receiver!.events.find((e) => e.body.type === 'failed'));
    expect(receiver!.events.find((e) => e.body.type === 'failed')!.body.error).toEqual({
      code: 'CUDA_OOM',
      message: 'out of memory',
    });
    await sim.waitFor(() => sim.account(KEY).workers.find((w) => w.status === 'UNHEALTHY'));
  });

  it('throttles workers without capacity and places them when pools change', async () => {
    await setUp({ capacity: { AMPERE_16: 0, AMPERE_24: 1 } });
    const catalog = await client.listGpuTypes(KEY);
    expect(catalog.find((g) => g.pool === 'AMPERE_16')?.availability).toBe('NONE');
    expect(catalog.find((g) => g.pool === 'AMPERE_24')?.availability).toBe('LOW');

    const endpoint = await deployEndpoint(await deployTemplate(), ['AMPERE_16']);
    expect(await client.listWorkers(KEY, endpoint.id)).toEqual([
      expect.objectContaining({ status: 'THROTTLED', gpuTypeId: null }),
    ]);
    expect((await client.health(KEY, endpoint.id)).workers.throttled).toBe(1);

    await client.updateEndpoint(KEY, endpoint.id, { pools: ['AMPERE_16', 'AMPERE_24'] });
    const [worker] = await client.listWorkers(KEY, endpoint.id);
    expect(worker).toMatchObject({ status: 'INITIALIZING', gpuTypeId: 'NVIDIA RTX A5000' });
    const after = await client.listGpuTypes(KEY);
    expect(after.find((g) => g.pool === 'AMPERE_24')?.availability).toBe('NONE');
  });

  it('places throttled workers when capacity appears', async () => {
    await setUp({ capacity: { AMPERE_16: 0 } });
    await deployEndpoint(await deployTemplate(), ['AMPERE_16']);
    expect(sim.account(KEY).workers[0]!.status).toBe('THROTTLED');
    sim.set({ capacity: {} });
    expect(sim.account(KEY).workers[0]!.status).toBe('INITIALIZING');
  });

  it('scales idle workers above min down after the scaled idle timeout', async () => {
    await setUp({ idleTimeoutScale: 1 });
    const endpoint = await deployEndpoint(await deployTemplate());
    await sim.waitFor(() => sim.account(KEY).workers.find((w) => w.status === 'IDLE'));
    await client.updateEndpoint(KEY, endpoint.id, { workersMin: 0 });
    await sim.waitFor(() => sim.account(KEY).workers.length === 0, { what: 'scale-down' });
  });

  it('scales a min-0 endpoint up for a queued job and answers runsync', async () => {
    await setUp();
    const endpoint = await deployEndpoint(await deployTemplate(), ['ADA_24'], 0);
    expect(sim.account(KEY).workers).toEqual([]);
    const res = await fetch(`${sim.url}/v2/${endpoint.id}/runsync?wait=5000`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { prompt: 'a dog' } }),
    });
    expect(await res.json()).toMatchObject({ status: 'COMPLETED', output: { images: [{}] } });
  });

  it('checks responses with a validator that rejects a non-conformant Endpoint', async () => {
    await setUp();
    const problems = specValidator().validateResponse('GET', '/v2/serverless/{id}', 200, {
      id: 'x',
      name: 'x',
    });
    expect(problems.length).toBeGreaterThan(0);
  });

  it('finds fields the spec does not declare, such as an Endpoint templateId', async () => {
    await setUp();
    const endpoint = await deployEndpoint(await deployTemplate(), ['AMPERE_16'], 0);
    const got = await fetch(`${sim.url}/v2/serverless/${endpoint.id}`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    const body = (await got.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('templateId');
    const spec = specValidator();
    expect(spec.undeclaredFields('GET', '/v2/serverless/{id}', 200, body)).toEqual([]);
    const invented = { ...body, templateId: 'abc', gpu: { ...(body.gpu as object), extra: 1 } };
    expect(spec.validateResponse('GET', '/v2/serverless/{id}', 200, invented)).toEqual([]);
    expect(spec.undeclaredFields('GET', '/v2/serverless/{id}', 200, invented).sort()).toEqual([
      '/gpu/extra',
      '/templateId',
    ]);
    // The template's env was copied into the endpoint at creation (no link is kept).
    expect(body.env).toMatchObject({ VISGATE_MODEL_ID: 'stabilityai/sd-turbo' });
  });

  it('takes every EndpointInput field runpodctl sends and resets the ones left out (full replace)', async () => {
    await setUp();
    const templateId = await deployTemplate();
    const endpoint = await deployEndpoint(templateId, ['AMPERE_16'], 0);
    const save = (input: Record<string, unknown>) =>
      gql(
        `mutation S($input: EndpointInput!) { saveEndpoint(input: $input) {
           id workersMin workersMax idleTimeout executionTimeoutMs minCudaVersion locations
           networkVolumeIds { networkVolumeId } flashBootType modelReferences } }`,
        { input },
      );
    const full = await save({
      id: endpoint.id,
      name: 'visgate-test',
      templateId,
      gpuIds: 'AMPERE_16,ADA_24',
      gpuCount: 1,
      workersMin: 0,
      workersMax: 2,
      locations: 'EU-RO-1,US-TX-3',
      networkVolumeId: '',
      networkVolumeIds: [{ networkVolumeId: 'vol1' }],
      idleTimeout: 30,
      scalerType: 'QUEUE_DELAY',
      scalerValue: 4,
      executionTimeoutMs: 900_000,
      minCudaVersion: '12.8',
      flashBootType: 'FLASHBOOT',
      modelReferences: ['https://huggingface.co/stabilityai/sd-turbo:main'],
    });
    expect(full.errors).toBeUndefined();
    const saved = (full.data as { saveEndpoint: Record<string, unknown> }).saveEndpoint;
    expect(saved).toMatchObject({
      workersMax: 2,
      idleTimeout: 30,
      executionTimeoutMs: 900_000,
      minCudaVersion: '12.8',
      locations: 'EU-RO-1,US-TX-3',
      networkVolumeIds: [{ networkVolumeId: 'vol1' }],
      flashBootType: 'FLASHBOOT',
    });
    // `:main` is stored resolved to a commit sha, as runpodctl's e2e test expects.
    const [ref] = saved.modelReferences as string[];
    expect(ref).toMatch(/^https:\/\/huggingface\.co\/stabilityai\/sd-turbo:[0-9a-f]{40}$/);

    // Sent again with only what is required: everything else goes back to the defaults.
    const bare = await save({
      id: endpoint.id,
      name: 'visgate-test',
      templateId,
      gpuIds: 'AMPERE_16',
    });
    expect(bare.errors).toBeUndefined();
    expect((bare.data as { saveEndpoint: unknown }).saveEndpoint).toMatchObject({
      workersMin: 0,
      workersMax: 3,
      idleTimeout: 5,
      executionTimeoutMs: 600_000,
      minCudaVersion: null,
      locations: null,
      networkVolumeIds: [],
      flashBootType: 'OFF',
      modelReferences: [],
    });
    expect(sim.account(KEY).endpoints[0]).toMatchObject({ timeout: 600_000, dataCenterIds: [] });
  });

  it('holds workers back, initializing and unbilled, until a new cached model is on the host', async () => {
    await setUp({ cacheFillMs: 300 });
    const sha = 'c'.repeat(40);
    const templateId = await deployTemplate({ VISGATE_MODEL_REVISION: sha });
    const endpoint = await deployEndpoint(templateId, ['AMPERE_16'], 0);
    const spec = {
      id: endpoint.id,
      name: 'visgate-test',
      templateId,
      pools: ['AMPERE_16'],
      workersMin: 1,
      workersMax: 2,
      idleTimeoutS: 10,
      flashboot: true,
      dataCenterIds: null,
      executionTimeoutMs: 600_000,
      minCudaVersion: null,
    };
    await client.setModelReferences(KEY, spec, [
      `https://huggingface.co/stabilityai/sd-turbo:${sha}`,
    ]);
    const setAt = Date.now();
    const [waiting] = await client.listWorkers(KEY, endpoint.id);
    expect(waiting).toMatchObject({ status: 'INITIALIZING', startedAt: null });
    expect((await client.health(KEY, endpoint.id)).workers).toMatchObject({
      initializing: 1,
      throttled: 0,
      ready: 0,
    });
    await sim.waitFor(() => receiver!.events.some((e) => e.body.type === 'ready'), {
      timeoutMs: 3_000,
    });
    const firstEvent = receiver!.events[0]!.body;
    expect(Date.parse(String(firstEvent.at)) - setAt).toBeGreaterThanOrEqual(250);
  });

  it('restarts a worker whose boot failed instead of leaving it unhealthy', async () => {
    await setUp({ failLoad: { code: 'MODEL_LOAD_FAILED', message: 'boom' }, restartMs: 10 });
    await deployEndpoint(await deployTemplate());
    await sim.waitFor(() => sim.account(KEY).workers.find((w) => w.restarts >= 2), {
      what: 'two restarts',
    });
    expect(receiver!.events.filter((e) => e.body.type === 'failed').length).toBeGreaterThan(1);
  });

  it('drops an async job result after the retention window (404 from /status)', async () => {
    await setUp({ runResultRetentionMs: 50, jobMs: 5 });
    const endpoint = await deployEndpoint(await deployTemplate(), ['ADA_24'], 1);
    const job = await client.runJob(KEY, endpoint.id, { prompt: 'a dog' });
    await sim.waitFor(() => sim.account(KEY).jobs.find((j) => j.status === 'COMPLETED'));
    expect((await client.jobStatus(KEY, endpoint.id, job.id)).status).toBe('COMPLETED');
    await sim.waitFor(() => sim.account(KEY).jobs.length === 0, { what: 'result expired' });
    const gone = await client.jobStatus(KEY, endpoint.id, job.id).catch((e: unknown) => e);
    expect(gone).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('purges queued jobs as RunPod’s client asks (POST /purge-queue) and leaves the running one', async () => {
    await setUp({ jobMs: 60_000 });
    const endpoint = await deployEndpoint(await deployTemplate(), ['ADA_24'], 1);
    await sim.waitFor(() => sim.account(KEY).workers.find((w) => w.status === 'IDLE'));
    sim.set({ capacity: { ADA_24: 1 } }); // no second worker: later jobs wait in the queue
    const jobs = [];
    for (const prompt of ['a', 'b', 'c'])
      jobs.push(await client.runJob(KEY, endpoint.id, { prompt }));
    await sim.waitFor(() => sim.account(KEY).jobs.find((j) => j.status === 'IN_PROGRESS'));
    const res = await fetch(`${sim.url}/v2/${endpoint.id}/purge-queue`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ removed: 2, status: 'completed' });
    expect(sim.account(KEY).jobs.map((j) => [j.id, j.status])).toEqual([
      [jobs[0]!.id, 'IN_PROGRESS'],
    ]);
  });

  it('runs a realWorker process: IDLE once its API answers, jobs through its /runsync, restarted after a crash, stopped on delete', async () => {
    // A stand-in for the SDK's local API (the real worker runs in functions/test/e2e/real-worker):
    // it exits with status 3 on its first start when asked to, to play a crash.
    const script = `
      const fs = require('node:fs');
      const port = Number(process.argv[process.argv.indexOf('--rp_api_port') + 1]);
      const marker = process.env.CRASH_MARKER;
      if (marker && !fs.existsSync(marker)) { fs.writeFileSync(marker, ''); process.exit(3); }
      require('node:http').createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          if (req.url === '/openapi.json') return res.end('{}');
          const input = JSON.parse(body).input;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(input.fail
            ? { id: 'test-1', status: 'FAILED', error: 'boom' }
            : { id: 'test-1', status: 'COMPLETED', output: { echo: input.prompt, pid: process.pid, worker: process.env.RUNPOD_POD_ID } }));
        });
      }).listen(port, '127.0.0.1');`;
    const marker = join(mkdtempSync(join(tmpdir(), 'sim-crash-')), 'crashed');
    await setUp({ restartMs: 10, idleTimeoutScale: 0 });
    sim.set({
      realWorker: {
        command: [process.execPath, '-e', script, '--'],
        env: { CRASH_MARKER: marker },
        models: ['stabilityai/sd-turbo'],
      },
    });
    const endpoint = await deployEndpoint(await deployTemplate(), ['ADA_24'], 1);
    const idle = await sim.waitFor(
      () => sim.account(KEY).workers.find((w) => w.status === 'IDLE' && w.pid !== null),
      { what: 'real worker idle', timeoutMs: 15_000 },
    );
    expect(idle.restarts).toBe(1); // the first start exited with 3: UNHEALTHY, then restarted
    const res = await fetch(`${sim.url}/v2/${endpoint.id}/runsync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { prompt: 'a dog' } }),
    });
    expect(await res.json()).toMatchObject({
      status: 'COMPLETED',
      output: { echo: 'a dog', pid: idle.pid, worker: idle.id },
    });
    const failed = await fetch(`${sim.url}/v2/${endpoint.id}/runsync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { prompt: 'a cat', fail: true } }),
    });
    expect(await failed.json()).toMatchObject({ status: 'FAILED', error: 'boom' });
    await client.updateEndpoint(KEY, endpoint.id, { workersMin: 0, workersMax: 0 });
    await client.deleteEndpoint(KEY, endpoint.id);
    const gone = () => {
      try {
        process.kill(idle.pid!, 0);
        return false;
      } catch {
        return true;
      }
    };
    await waitUntil(gone, 5_000);
    expect(sim.account(KEY).workers).toEqual([]);
    rmSync(dirname(marker), { recursive: true, force: true });
  }, 30_000);

  it('accepts /run bodies up to 10 MB and refuses larger ones with 413', async () => {
    await setUp();
    const endpoint = await deployEndpoint(await deployTemplate(), ['ADA_24'], 0);
    const post = (bytes: number) =>
      fetch(`${sim.url}/v2/${endpoint.id}/run`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ input: { prompt: 'x', blob: 'a'.repeat(bytes) } }),
      });
    expect((await post(2_000_000)).status).toBe(200);
    expect((await post(11 * 1024 * 1024)).status).toBe(413);
  });

  it('loads a cached model (GraphQL modelReferences) without downloading and says so', async () => {
    await setUp();
    const templateId = await deployTemplate({ VISGATE_MODEL_REVISION: 'a'.repeat(40) });
    const endpoint = await deployEndpoint(templateId, ['AMPERE_16'], 0);
    const stored = await client.setModelReferences(
      KEY,
      {
        id: endpoint.id,
        name: 'visgate-test',
        templateId,
        pools: ['AMPERE_16'],
        workersMin: 1,
        workersMax: 2,
        idleTimeoutS: 10,
        flashboot: true,
        dataCenterIds: null,
        executionTimeoutMs: 600_000,
        minCudaVersion: null,
      },
      [`https://huggingface.co/stabilityai/sd-turbo:${'a'.repeat(40)}`],
    );
    expect(stored).toHaveLength(1);
    await sim.waitFor(() => receiver!.events.some((e) => e.body.type === 'ready'));
    expect(receiver!.events.map((e) => e.body.type)).toEqual(['loading', 'ready']);
    expect(receiver!.events[1]!.body).toMatchObject({
      source: 'runpod_cache',
      timings: { fetch_s: 0 },
    });
  });

  it('parses and validates GraphQL like a GraphQL server: a misspelt field is a 400', async () => {
    await setUp();
    const post = (query: string) =>
      fetch(`${sim.url}/graphql?api_key=${KEY}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
    const bad = await post('{ myself { endpoints { id modelReference } } }');
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { errors: { message: string }[] };
    expect(body.errors[0]!.message).toMatch(/Cannot query field "modelReference"/);
    const good = await post('{ myself { endpoints { id modelReferences } } }');
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ data: { myself: { endpoints: [] } } });
    const anonymous = await fetch(`${sim.url}/graphql`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
  });

  it('answers 400 for availability without a product, as the spec says', async () => {
    await setUp();
    const res = await fetch(`${sim.url}/v2/catalog/gpus?include=AVAILABILITY`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(res.status).toBe(400);
  });
});
