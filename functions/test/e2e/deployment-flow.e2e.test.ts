import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { runpodResourceName } from '@visgate/shared';
import { startLocalSystem, type LocalSystem } from '@visgate/sim';

jest.setTimeout(30_000);

async function deploy(
  sys: LocalSystem,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const res = await request(sys.url)
    .post('/v1/deployments')
    .set('Authorization', `Bearer ${sys.apiKey}`)
    .set(headers)
    .send({ user_webhook_url: sys.receiver.url, ...body });
  expect(res.status).toBe(202);
  return res.body as { deployment_id: string; webhook_secret: string };
}

function webhooksOf(sys: LocalSystem, type: string) {
  return sys.receiver.received.filter(
    (r) => (JSON.parse(r.body) as { type: string }).type === type,
  );
}

function verify(secret: string, r: { headers: Record<string, unknown>; body: string }) {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  }) as { type: string; data: Record<string, unknown> };
}

describe('deployment flow through the embedded system and the simulators', () => {
  let sys: LocalSystem;
  afterEach(async () => {
    await sys.close();
  });

  it('deploys sd-turbo to the cheapest fitting pool, reports ready with a signed webhook, and deletes everything', async () => {
    sys = await startLocalSystem();
    const { deployment_id: id, webhook_secret: secret } = await deploy(sys, {
      hf_model_id: 'stabilityai/sd-turbo',
    });
    expect(secret).toMatch(/^whsec_/);

    const ready = await sys.waitForStatus(id, ['ready', 'failed']);
    expect(ready.error).toBeNull();
    expect(ready.status).toBe('ready');
    expect(ready.pipeline).toBe('StableDiffusionPipeline');
    expect(ready.revision_sha).toMatch(/^[0-9a-f]{40}$/);
    expect(ready.estimate?.method).toBe('safetensors_headers');
    expect(ready.gpu?.pool).toBe('AMPERE_16');
    expect(ready.endpoint_url).toBe(`${sys.runpod.url}/v2/${ready.endpoint_id}/run`);
    expect(ready.progress).toMatchObject({ stage: 'ready', source: 'runpod_cache' });
    expect(ready.progress.bytes_total).toBeGreaterThan(0);
    expect(ready.timings.load_s).not.toBeNull();
    expect(ready.history.map((h) => h.to)).toEqual([
      'queued',
      'validating',
      'selecting_gpu',
      'provisioning',
      'loading',
      'ready',
    ]);

    const [hook] = await sys.receiver.waitFor((r) => r.length >= 1);
    const payload = verify(secret, hook!);
    expect(payload.type).toBe('deployment.ready');
    expect(payload.data).toMatchObject({
      deployment_id: id,
      status: 'ready',
      endpoint_url: ready.endpoint_url,
    });
    expect(payload.data.usage_example).toMatchObject({
      method: 'POST',
      url: ready.endpoint_url!.replace(/\/run$/, '/runsync'),
    });

    // Once ready, the endpoint goes back to the user's minimum of 0 workers.
    await sys.waitForDoc(id, (d) => d.runtime.settled, 5000, 'settled');
    expect(sys.runpod.account(sys.apiKey).endpoints[0]?.workers).toMatchObject({ min: 0 });

    const del = await request(sys.url)
      .delete(`/v1/deployments/${id}`)
      .set('Authorization', `Bearer ${sys.apiKey}`);
    expect(del.status).toBe(202);
    await sys.waitForStatus(id, ['deleted']);
    const account = sys.runpod.account(sys.apiKey);
    expect(account.endpoints).toEqual([]);
    expect(account.templates).toEqual([]);
    await sys.receiver.waitFor(() => webhooksOf(sys, 'deployment.deleted').length === 1);
  });

  it('fails a gated model without a token with MODEL_GATED, sends the failed webhook and creates nothing on RunPod', async () => {
    sys = await startLocalSystem();
    const { deployment_id: id, webhook_secret: secret } = await deploy(sys, {
      hf_model_id: 'black-forest-labs/FLUX.1-dev',
    });
    const failed = await sys.waitForStatus(id, ['failed', 'ready']);
    expect(failed.error).toMatchObject({ code: 'MODEL_GATED', step: 'validate', retryable: false });
    await sys.receiver.waitFor((r) => r.length === 1);
    expect(verify(secret, sys.receiver.received[0]!).type).toBe('deployment.failed');
    const account = sys.runpod.account(sys.apiKey);
    expect(account.endpoints).toEqual([]);
    expect(account.templates).toEqual([]);
  });

  it.each([
    ['an unknown model', 'nobody-here/does-not-exist', 'MODEL_NOT_FOUND'],
    ['a model that is not a diffusers pipeline', 'openai/whisper-large-v3', 'MODEL_UNSUPPORTED'],
    // Kandinsky 2.2's decoder loads but can never serve text-to-image without its prior.
    ['a Kandinsky 2.2 decoder', 'kandinsky-community/kandinsky-2-2-decoder', 'MODEL_UNSUPPORTED'],
  ])('fails %s with %s before creating anything on RunPod', async (_what, model, code) => {
    sys = await startLocalSystem();
    const { deployment_id: id } = await deploy(sys, { hf_model_id: model });
    const failed = await sys.waitForStatus(id, ['failed', 'ready']);
    expect(failed.error).toMatchObject({ code, step: 'validate' });
    const account = sys.runpod.account(sys.apiKey);
    expect(account.endpoints).toEqual([]);
    expect(account.templates).toEqual([]);
  });

  it('fails FLUX.1-schnell restricted to 24 GB cards with MODEL_TOO_LARGE, naming the sizes', async () => {
    sys = await startLocalSystem();
    const { deployment_id: id } = await deploy(sys, {
      hf_model_id: 'black-forest-labs/FLUX.1-schnell',
      gpu_tier: '4090',
    });
    const failed = await sys.waitForStatus(id, ['failed', 'ready']);
    expect(failed.error).toMatchObject({ code: 'MODEL_TOO_LARGE', step: 'select_gpu' });
    expect(failed.error?.message).toMatch(/GiB/);
  });

  it('puts FLUX.1-schnell on a 48 GB pool when nothing narrows the choice', async () => {
    sys = await startLocalSystem();
    const { deployment_id: id } = await deploy(sys, {
      hf_model_id: 'black-forest-labs/FLUX.1-schnell',
    });
    const ready = await sys.waitForStatus(id, ['ready', 'failed']);
    expect(ready.gpu?.pool).toBe('AMPERE_48');
  });

  it('skips a pool without serverless stock and records why', async () => {
    sys = await startLocalSystem({ runpod: { capacity: { AMPERE_16: 0 } } });
    const { deployment_id: id } = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const ready = await sys.waitForStatus(id, ['ready', 'failed']);
    expect(ready.gpu?.pool).not.toBe('AMPERE_16');
    expect(ready.gpu?.skipped).toEqual(
      expect.arrayContaining([expect.objectContaining({ pool: 'AMPERE_16' })]),
    );
  });

  it('moves a throttled endpoint to the next candidate pools when its pools run out of capacity', async () => {
    sys = await startLocalSystem();
    // Prime the catalog cache while everything is in stock, then take the first three pools away.
    const first = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    await sys.waitForStatus(first.deployment_id, ['ready']);
    sys.runpod.set({ capacity: { AMPERE_16: 0, AMPERE_24: 0, ADA_24: 0 } });
    const { deployment_id: id } = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const ready = await sys.waitForStatus(id, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    expect(ready.gpu?.active_pools).not.toContain('AMPERE_16');
    expect(ready.gpu?.skipped.map((s) => s.pool)).toEqual(
      expect.arrayContaining(['AMPERE_16', 'AMPERE_24', 'ADA_24']),
    );
  });

  it('fails with NO_CAPACITY, each refusal recorded, when RunPod refuses every candidate pool at creation', async () => {
    // Without RunPod's model cache the endpoint is created with an active worker, so RunPod must
    // place it at once; with the cache it starts at 0 workers and nothing is placed at creation.
    sys = await startLocalSystem({ env: { RUNPOD_MODEL_CACHE: 'false' } });
    // Prime the catalog cache while everything is in stock, then take every candidate away.
    const first = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const primed = await sys.waitForStatus(first.deployment_id, ['ready']);
    const candidates = primed.gpu?.candidates ?? [];
    expect(candidates.length).toBeGreaterThan(3);
    sys.runpod.set({
      capacity: Object.fromEntries(candidates.map((p) => [p, 0])),
      refuseCreateWithoutCapacity: true,
    });
    const { deployment_id: id } = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const failed = await sys.waitForStatus(id, ['failed', 'ready']);
    expect(failed.error).toMatchObject({ code: 'NO_CAPACITY', step: 'provision' });
    // Ended by provision on its first run, not redelivered onto the same pools until a deadline.
    expect(failed.runtime.provision_attempts).toBe(1);
    const refused = failed.gpu?.skipped.filter((s) => s.reason.startsWith('RunPod refused'));
    expect(refused?.map((s) => s.pool)).toEqual(candidates);
    await sys.waitForDoc(id, (d) => d.runtime.resources_released, 5000, 'resources released');
    const left = sys.runpod.account(sys.apiKey);
    expect(left.endpoints.map((e) => e.name)).not.toContain(`visgate-${id}`);
    expect(left.templates.map((t) => t.name)).not.toContain(`visgate-${id}`);
  });

  it('fails a crash-looping worker with WORKER_CRASHLOOP and deletes its endpoint and template', async () => {
    sys = await startLocalSystem({ runpod: { crashLoop: true } });
    const { deployment_id: id } = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const failed = await sys.waitForStatus(id, ['failed', 'ready']);
    expect(failed.error?.code).toBe('WORKER_CRASHLOOP');
    await sys.waitForDoc(id, (d) => d.runtime.resources_released, 5000, 'resources released');
    const account = sys.runpod.account(sys.apiKey);
    expect(account.endpoints).toEqual([]);
    expect(account.templates).toEqual([]);
  });

  it('fails with WORKER_FAILED when the worker reports it could not load the model', async () => {
    sys = await startLocalSystem({
      runpod: { failLoad: { code: 'CUDA_OOM', message: 'out of memory' } },
    });
    const { deployment_id: id } = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const failed = await sys.waitForStatus(id, ['failed', 'ready']);
    expect(failed.error).toMatchObject({ code: 'WORKER_FAILED', step: 'worker' });
    expect(failed.error?.message).toContain('CUDA_OOM');
  });

  it('leaves nothing on RunPod when the deployment is deleted while it is being provisioned', async () => {
    sys = await startLocalSystem({ runpod: { latencyMs: 40 } });
    const { deployment_id: id } = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    await sys.waitForStatus(id, ['provisioning']);
    await request(sys.url)
      .delete(`/v1/deployments/${id}`)
      .set('Authorization', `Bearer ${sys.apiKey}`)
      .expect(202);
    const deleted = await sys.waitForStatus(id, ['deleted']);
    expect(deleted.history.map((h) => h.to)).toContain('deleting');
    await sys.runpod.waitFor(
      () => {
        const a = sys.runpod.account(sys.apiKey);
        return a.endpoints.length === 0 && a.templates.length === 0;
      },
      { what: 'no endpoint or template left' },
    );
    // Nothing reappears later: let any in-flight provisioning finish, then look again.
    await sys.quiesce();
    const a = sys.runpod.account(sys.apiKey);
    expect(a.endpoints.filter((e) => e.name === runpodResourceName(id))).toEqual([]);
    expect(a.templates).toEqual([]);
  });

  it('creates exactly one endpoint, one template and one ready webhook when every message is delivered twice', async () => {
    sys = await startLocalSystem({ env: { BUS_DUPLICATE_DELIVERY: 'true' } });
    const { deployment_id: id } = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    await sys.waitForStatus(id, ['ready', 'failed']);
    await sys.receiver.waitFor((r) => r.length >= 1);
    await sys.waitForDoc(id, (d) => d.runtime.settled, 5000, 'settled');
    await sys.quiesce();
    const creates = (path: string) =>
      sys.runpod.calls.filter((c) => c.method === 'POST' && c.path === path && c.status < 300);
    expect(creates('/v2/serverless')).toHaveLength(1);
    expect(creates('/v2/templates')).toHaveLength(1);
    expect(
      new Set(webhooksOf(sys, 'deployment.ready').map((r) => r.headers['webhook-id'])).size,
    ).toBe(1);
    expect(webhooksOf(sys, 'deployment.ready')).toHaveLength(1);
  });

  it('keeps retrying a failing webhook receiver and delivers later with a valid signature and a stable id', async () => {
    sys = await startLocalSystem();
    sys.receiver.respond = ({ index }) => (index < 3 ? 503 : 200);
    const { deployment_id: id, webhook_secret: secret } = await deploy(sys, {
      hf_model_id: 'stabilityai/sd-turbo',
    });
    await sys.receiver.waitFor((r) => r.some((x) => x.status === 200));
    const attempts = sys.receiver.received;
    expect(attempts.map((a) => a.status)).toEqual([503, 503, 503, 200]);
    expect(new Set(attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
    expect(verify(secret, attempts[3]!).type).toBe('deployment.ready');
    const doc = await sys.waitForDoc(
      id,
      (d) => d.webhook?.deliveries[0]?.status === 'delivered',
      5000,
      'delivered',
    );
    expect(doc.webhook?.deliveries[0]).toMatchObject({ attempts: 4, last_status_code: 200 });
  });

  it('stops delivering to a receiver that answered 410', async () => {
    sys = await startLocalSystem();
    sys.receiver.respond = () => 410;
    const { deployment_id: id } = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const doc = await sys.waitForDoc(
      id,
      (d) => d.webhook?.disabled === true,
      10_000,
      'webhook disabled',
    );
    expect(doc.webhook?.deliveries[0]?.status).toBe('disabled');
    await request(sys.url)
      .delete(`/v1/deployments/${id}`)
      .set('Authorization', `Bearer ${sys.apiKey}`)
      .expect(202);
    await sys.waitForStatus(id, ['deleted']);
    await sys.quiesce();
    expect(sys.receiver.received).toHaveLength(1);
  });
});
