import request from 'supertest';
import { createRunPodClient } from '../../src/adapters/runpod/runpod-client';
import { createOffsetClock, startLocalSystem, type LocalSystem } from '@visgate/sim';

jest.setTimeout(30_000);

const orphanName = (n: number): string => `visgate-dpl_${'o'.repeat(25)}${'abcdefgh'[n]}`;

async function deploy(sys: LocalSystem, body: Record<string, unknown>): Promise<string> {
  const res = await request(sys.url)
    .post('/v1/deployments')
    .set('Authorization', `Bearer ${sys.apiKey}`)
    .send(body)
    .expect(202);
  return (res.body as { deployment_id: string }).deployment_id;
}

describe('reaper', () => {
  let sys: LocalSystem;
  afterEach(async () => {
    await sys.close();
  });

  it('deletes visgate endpoints and templates with no live deployment, and keeps the live one', async () => {
    sys = await startLocalSystem();
    const id = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    const live = await sys.waitForStatus(id, ['ready']);
    const runpod = createRunPodClient({
      apiBaseUrl: sys.runpod.url,
      endpointBaseUrl: sys.runpod.url,
      timeoutMs: 5000,
    });
    // Orphans as a crash would leave them: a template + endpoint for a deployment we never recorded,
    // a second endpoint under the live deployment's name, and a stray template.
    const t0 = await runpod.createTemplate(sys.apiKey, {
      name: orphanName(0),
      image: 'x',
      diskGb: 20,
      env: {},
    });
    await runpod.createEndpoint(sys.apiKey, {
      name: orphanName(0),
      templateId: t0.id,
      pools: ['AMPERE_16'],
      workersMin: 0,
      workersMax: 1,
      idleTimeoutS: 5,
      flashboot: true,
      dataCenterIds: null,
      executionTimeoutMs: 60_000,
      minCudaVersion: null,
    });
    await runpod.createEndpoint(sys.apiKey, {
      name: `visgate-${id}`,
      templateId: live.template_id!,
      pools: ['AMPERE_16'],
      workersMin: 0,
      workersMax: 1,
      idleTimeoutS: 5,
      flashboot: true,
      dataCenterIds: null,
      executionTimeoutMs: 60_000,
      minCudaVersion: null,
    });
    await runpod.createTemplate(sys.apiKey, {
      name: orphanName(1),
      image: 'x',
      diskGb: 20,
      env: {},
    });
    const unrelated = await runpod.createTemplate(sys.apiKey, {
      name: 'my-own-template',
      image: 'x',
      diskGb: 20,
      env: {},
    });

    const report = await sys.system.reap();

    expect(report).toMatchObject({ orphanEndpoints: 2, orphanTemplates: 2 });
    const account = sys.runpod.account(sys.apiKey);
    expect(account.endpoints.map((e) => e.id)).toEqual([live.endpoint_id]);
    expect(account.templates.map((t) => t.id).sort()).toEqual(
      [live.template_id, unrelated.id].sort(),
    );
  });

  it('deletes a deployment whose ttl has passed, endpoint and template included', async () => {
    const clock = createOffsetClock();
    sys = await startLocalSystem({ clock });
    const id = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo', ttl_s: 60 });
    await sys.waitForStatus(id, ['ready']);
    expect(await sys.system.reap()).toMatchObject({ deletedTtl: 0 });
    clock.advance(61);
    expect(await sys.system.reap()).toMatchObject({ deletedTtl: 1 });
    const deleted = await sys.waitForStatus(id, ['deleted']);
    expect(deleted.history.at(-2)?.reason).toMatch(/ttl/);
    expect(sys.runpod.account(sys.apiKey).endpoints).toEqual([]);
  });

  it('is harmless when two cycles overlap (Cloud Scheduler may start one while the last still runs)', async () => {
    const clock = createOffsetClock();
    sys = await startLocalSystem({ clock });
    const id = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo', ttl_s: 60 });
    await sys.waitForStatus(id, ['ready']);
    const runpod = createRunPodClient({
      apiBaseUrl: sys.runpod.url,
      endpointBaseUrl: sys.runpod.url,
      timeoutMs: 5000,
    });
    await runpod.createTemplate(sys.apiKey, {
      name: orphanName(2),
      image: 'x',
      diskGb: 20,
      env: {},
    });
    clock.advance(61);
    // No lease: each effect is guarded on its own (a transition only from the status read, named
    // poll tasks, deletes that accept NOT_FOUND), so the second cycle finds nothing left to do twice.
    const [a, b] = await Promise.all([sys.system.reap(), sys.system.reap()]);
    expect(a.deletedTtl + b.deletedTtl).toBe(1);
    const deleted = await sys.waitForStatus(id, ['deleted']);
    expect(deleted.history.filter((h) => h.to === 'deleting')).toHaveLength(1);
    const account = sys.runpod.account(sys.apiKey);
    expect(account.endpoints).toEqual([]);
    expect(account.templates.map((t) => t.name)).not.toContain(orphanName(2));
  });

  it('accounts spend from the running workers and deletes the deployment when its budget is used up', async () => {
    const clock = createOffsetClock();
    sys = await startLocalSystem({ clock });
    const id = await deploy(sys, {
      hf_model_id: 'stabilityai/sd-turbo',
      budget_usd: 0.5,
      workers_min: 1,
    });
    await sys.waitForStatus(id, ['ready']);
    clock.advance(600); // 10 minutes of one AMPERE_16 worker ≈ $0.096
    expect(await sys.system.reap()).toMatchObject({ deletedBudget: 0 });
    const doc = await sys.system.store.get(id);
    expect(doc!.cost.spent_usd).toBeGreaterThan(0.09);
    expect(doc!.cost.spent_usd).toBeLessThan(0.11);
    clock.advance(3600);
    expect(await sys.system.reap()).toMatchObject({ deletedBudget: 1 });
    await sys.waitForStatus(id, ['deleted']);
    expect(sys.runpod.account(sys.apiKey).endpoints).toEqual([]);
  });

  it('re-publishes a step stuck past its deadline and fails it after a second deadline', async () => {
    const clock = createOffsetClock();
    sys = await startLocalSystem({ clock, hub: { down: true } });
    const id = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    await sys.waitForStatus(id, ['validating']);
    clock.advance(901);
    expect(await sys.system.reap()).toMatchObject({ nudged: 1, failed: 0 });
    // The reaper runs every minute, as in production, and nudges again each time. The deployment
    // is given up within a deadline of the first nudge: by the step's own attempt bound (each nudge
    // is a delivery that fails again) or by the reaper, whichever comes first. Recording every
    // nudge used to put the reaper's give-up off for ever.
    for (let minute = 1; minute <= 15; minute++) {
      clock.advance(60);
      await sys.system.reap();
    }
    const failed = await sys.waitForStatus(id, ['failed']);
    expect(failed.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', step: 'validate' });
  });

  it('purges the secrets of a deleted deployment after the retention window', async () => {
    const clock = createOffsetClock();
    sys = await startLocalSystem({ clock });
    const id = await deploy(sys, { hf_model_id: 'stabilityai/sd-turbo' });
    await sys.waitForStatus(id, ['ready']);
    await request(sys.url)
      .delete(`/v1/deployments/${id}`)
      .set('Authorization', `Bearer ${sys.apiKey}`)
      .expect(202);
    await sys.waitForStatus(id, ['deleted']);
    expect(await sys.system.secrets.get(id)).not.toBeNull();
    clock.advance(3601);
    expect(await sys.system.reap()).toMatchObject({ purged: 1 });
    expect(await sys.system.secrets.get(id)).toBeNull();
  });
});
