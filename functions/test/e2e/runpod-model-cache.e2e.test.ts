import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Deployment } from '@visgate/shared';
import { startLocalSystem, type LocalSystem } from '@visgate/sim';

jest.setTimeout(30_000);

async function deploy(sys: LocalSystem, body: Record<string, unknown>): Promise<string> {
  const res = await request(sys.url)
    .post('/v1/deployments')
    .set('Authorization', `Bearer ${sys.apiKey}`)
    .send(body);
  expect(res.status).toBe(202);
  return (res.body as { deployment_id: string }).deployment_id;
}

/** Every `progress.source` the document showed while loading, in order. */
function sourcesWhileLoading(sys: LocalSystem, id: string): string[] {
  const seen: string[] = [];
  sys.system.store.watch(id, (d: Deployment) => {
    const s = d.progress.source;
    if (d.status === 'loading' && s !== null && seen.at(-1) !== s) seen.push(s);
  });
  return seen;
}

/** The model references RunPod holds for the endpoint, read over GraphQL like runpodctl does. */
async function storedReferences(sys: LocalSystem, endpointId: string): Promise<string[]> {
  const res = await fetch(`${sys.runpod.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sys.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ myself { endpoints { id modelReferences } } }' }),
  });
  const body = (await res.json()) as {
    data: { myself: { endpoints: { id: string; modelReferences: string[] }[] } };
  };
  return body.data.myself.endpoints.find((e) => e.id === endpointId)?.modelReferences ?? [];
}

/** The management calls RunPod saw (the first `upTo` calls), as `METHOD path`, in order. */
function managementCalls(sys: LocalSystem, upTo = sys.runpod.calls.length): string[] {
  return sys.runpod.calls
    .slice(0, upTo)
    .filter((c) => c.plane === 'management')
    .map((c) => `${c.method} ${c.path.replace(/\/serverless\/[a-z0-9]+/, '/serverless/{id}')}`);
}

describe("RunPod's cached models (GraphQL modelReferences)", () => {
  let sys: LocalSystem | null = null;
  afterEach(async () => {
    await sys?.close();
    sys = null;
  });

  it('caches a public model on RunPod before the first worker starts, and the worker loads it from there', async () => {
    sys = await startLocalSystem();
    const id = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const seen = sourcesWhileLoading(sys, id);
    // RunPod's calls up to the moment the deployment is ready (the settle after it may PATCH).
    let callsAtReady = 0;
    const ready = await sys.waitForDoc(id, (d) => {
      callsAtReady = sys!.runpod.calls.length;
      return d.status === 'ready' || d.status === 'failed';
    });
    expect(ready.status).toBe('ready');

    const reference = `https://huggingface.co/stabilityai/sd-turbo:${ready.revision_sha!}`;
    expect(await storedReferences(sys, ready.endpoint_id!)).toEqual([reference]);
    // runpodctl's order: created over REST with no worker, then the cached model set last in one
    // saveEndpoint carrying the whole configuration, which also starts the worker: no REST call
    // comes between it and the worker loading.
    const created = sys.runpod.responses.find(
      (r) => r.method === 'POST' && r.route === '/v2/serverless',
    );
    expect(created?.body).toMatchObject({ workers: { min: 0 } });
    const calls = managementCalls(sys, callsAtReady);
    const save = calls.indexOf('POST /graphql');
    expect(calls[save - 1]).toBe('POST /v2/serverless');
    const saved = sys.runpod.responses.find((r) => r.route === '/graphql')?.body as {
      data: { saveEndpoint: Record<string, unknown> };
    };
    expect(saved.data.saveEndpoint).toMatchObject({
      workersMin: 1,
      executionTimeoutMs: 600_000,
      modelReferences: [reference],
    });
    // No REST update follows it while loading (one could drop the reference); the settle after
    // ready PATCHes and then re-asserts it (another test).
    expect(calls.slice(save)).not.toContain('PATCH /v2/serverless/{id}');
    // Workers are placed only on hosts whose CUDA runs the image (worker/Dockerfile CUDA_VERSION),
    // and the full-replace saveEndpoint kept that floor.
    expect(created?.body).toMatchObject({ gpu: { minCudaVersion: '12.8' } });
    expect(sys.runpod.account(sys.apiKey).endpoints[0]!.gpu.minCudaVersion).toBe('12.8');

    expect(seen[0]).toBe('runpod_cache');
    expect(ready.progress.source).toBe('runpod_cache');
    expect(ready.timings.fetch_s).toBe(0);
    // The worker was told the same thing: Hub source, which implies RunPod's cache path first.
    const env = sys.runpod.account(sys.apiKey).templates[0]!.env;
    expect(JSON.parse(env.VISGATE_MODEL_SOURCES ?? '[]')).toEqual([
      { type: 'huggingface', repo: 'stabilityai/sd-turbo', revision: ready.revision_sha },
    ]);
  });

  it('sets the cached model again when a later REST update drops it (settle, pause, resume)', async () => {
    sys = await startLocalSystem({ runpod: { patchClearsModelReferences: true } });
    const id = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const ready = await sys.waitForStatus(id, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    const reference = `https://huggingface.co/stabilityai/sd-turbo:${ready.revision_sha!}`;
    // Settling to the user's 0 workers is a REST PATCH, which (here) clears the references.
    await sys.waitForDoc(id, (d) => d.runtime.settled, 5000, 'settled');
    expect(sys.runpod.account(sys.apiKey).endpoints[0]).toMatchObject({
      workers: { min: 0 },
      modelReferences: [reference],
    });
    const paused = await request(sys.url)
      .post(`/v1/deployments/${id}/pause`)
      .set('Authorization', `Bearer ${sys.apiKey}`);
    expect(paused.status).toBe(200);
    expect(sys.runpod.account(sys.apiKey).endpoints[0]).toMatchObject({
      workers: { min: 0, max: 0 },
      modelReferences: [reference],
    });
    expect(sys.log.lines.some((l) => l.includes('RunPod dropped the cached model'))).toBe(true);
  });

  it('waits for RunPod to fill its cache (workers initializing, unbilled) without failing over', async () => {
    // The fill outlasts the throttle grace (0.15 s here) many times over.
    sys = await startLocalSystem({ runpod: { cacheFillMs: 1_500 } });
    const id = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const ready = await sys.waitForStatus(id, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    expect(ready.runtime.throttled_since).toBeNull();
    expect(ready.gpu?.skipped).toEqual([]);
    expect(ready.gpu?.active_pools[0]).toBe(ready.gpu?.pool);
    expect(ready.progress.source).toBe('runpod_cache');
  });

  it('falls back to the Hub and says why when RunPod refuses the reference', async () => {
    sys = await startLocalSystem({
      runpod: { modelReferenceError: 'cached models are not available for this account' },
    });
    const id = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const seen = sourcesWhileLoading(sys, id);
    const ready = await sys.waitForStatus(id, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    expect(seen[0]).toMatch(
      /^huggingface \(runpod_cache refused: .*cached models are not available for this account/,
    );
    expect(ready.progress.source).toBe('huggingface');
    expect(await storedReferences(sys, ready.endpoint_id!)).toEqual([]);
    const warning = sys.log.lines.find((l) => l.includes('RunPod cached model not set'));
    expect(warning).toBeDefined();
    expect(warning).not.toContain(sys.apiKey);
  });

  it('leaves a gated model to the worker and its HF token (RunPod cannot be handed the token)', async () => {
    sys = await startLocalSystem();
    const hfToken = `hf_TEST${randomBytes(10).toString('hex')}`;
    sys.hub.addToken(hfToken, { canAccessGated: ['black-forest-labs/FLUX.1-dev'] });
    const id = await deploy(sys, {
      hf_model_id: 'black-forest-labs/FLUX.1-dev',
      hf_token: hfToken,
    });
    const ready = await sys.waitForStatus(id, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    expect(managementCalls(sys)).not.toContain('POST /graphql');
    expect(await storedReferences(sys, ready.endpoint_id!)).toEqual([]);
    expect(ready.progress.source).toBe('huggingface');
  });

  it('is not used when the operator sets RUNPOD_MODEL_CACHE=false', async () => {
    sys = await startLocalSystem({ env: { RUNPOD_MODEL_CACHE: 'false' } });
    const id = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const ready = await sys.waitForStatus(id, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    expect(managementCalls(sys)).not.toContain('POST /graphql');
    const created = sys.runpod.responses.find(
      (r) => r.method === 'POST' && r.route === '/v2/serverless',
    );
    expect(created?.body).toMatchObject({ workers: { min: 1 } });
  });
});
