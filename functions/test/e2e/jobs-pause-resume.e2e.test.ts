import request from 'supertest';
import { fakeRunPodKey, startLocalSystem, type LocalSystem } from '@visgate/sim';

jest.setTimeout(30_000);

let sys: LocalSystem;
const auth = () => ({ Authorization: `Bearer ${sys.apiKey}` });

async function readyDeployment(body: Record<string, unknown> = {}): Promise<string> {
  const res = await request(sys.url)
    .post('/v1/deployments')
    .set(auth())
    .send({ hf_model_id: 'stabilityai/sd-turbo', ...body });
  expect(res.status).toBe(202);
  const id = String(res.body.deployment_id);
  await sys.waitForStatus(id, ['ready']);
  await sys.waitForDoc(id, (d) => d.runtime.settled, 5000, 'settled');
  return id;
}

const endpointOf = (endpointId: string) =>
  sys.runpod.account(sys.apiKey).endpoints.find((e) => e.id === endpointId);
const workersOf = (endpointId: string) =>
  sys.runpod.account(sys.apiKey).workers.filter((w) => w.endpointId === endpointId);

beforeEach(async () => {
  sys = await startLocalSystem();
});

afterEach(async () => {
  await sys.close();
});

describe('pause and resume', () => {
  it('pauses to zero workers on the kept endpoint, refuses jobs, and resumes through loading to ready', async () => {
    const id = await readyDeployment({ workers_min: 0, workers_max: 2 });
    const endpointId = (await sys.system.store.get(id))!.endpoint_id!;

    const paused = await request(sys.url).post(`/v1/deployments/${id}/pause`).set(auth());
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    expect(endpointOf(endpointId)?.workers).toMatchObject({ min: 0, max: 0 });
    await sys.runpod.waitFor(() => workersOf(endpointId).length === 0, { what: 'no workers' });

    const again = await request(sys.url).post(`/v1/deployments/${id}/pause`).set(auth());
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('paused');

    const job = await request(sys.url)
      .post(`/v1/deployments/${id}/jobs`)
      .set(auth())
      .send({ input: { prompt: 'while paused' } });
    expect(job.status).toBe(409);
    expect(job.body.detail).toMatch(/paused; .*resume it first/);

    const resumed = await request(sys.url).post(`/v1/deployments/${id}/resume`).set(auth());
    expect(resumed.status).toBe(202);
    expect(resumed.body.status).toBe('loading');
    expect(endpointOf(endpointId)?.workers).toMatchObject({ min: 0, max: 2 });
    const ready = await sys.waitForStatus(id, ['ready', 'failed']);
    expect(ready.status).toBe('ready');
    expect(ready.history.slice(-3).map((h) => [h.from, h.to, h.reason])).toEqual([
      ['ready', 'paused', 'paused by user'],
      ['paused', 'loading', 'resumed by user'],
      ['loading', 'ready', expect.any(String)],
    ]);
    expect(workersOf(endpointId).length).toBeGreaterThan(0);

    const after = await request(sys.url)
      .post(`/v1/deployments/${id}/jobs`)
      .set(auth())
      .send({ input: { prompt: 'after resume' } });
    expect(after.status).toBe(202);
  });

  it('keeps the configured minimum of workers after a resume', async () => {
    const id = await readyDeployment({ workers_min: 1, workers_max: 1 });
    const endpointId = (await sys.system.store.get(id))!.endpoint_id!;
    await request(sys.url).post(`/v1/deployments/${id}/pause`).set(auth()).expect(200);
    await request(sys.url).post(`/v1/deployments/${id}/resume`).set(auth()).expect(202);
    await sys.waitForStatus(id, ['ready']);
    expect(endpointOf(endpointId)?.workers).toMatchObject({ min: 1, max: 1 });
  });

  it('deletes a paused deployment with its endpoint and template', async () => {
    const id = await readyDeployment();
    await request(sys.url).post(`/v1/deployments/${id}/pause`).set(auth()).expect(200);
    const del = await request(sys.url).delete(`/v1/deployments/${id}`).set(auth());
    expect(del.status).toBe(202);
    await sys.waitForStatus(id, ['deleted']);
    const account = sys.runpod.account(sys.apiKey);
    expect(account.endpoints).toEqual([]);
    expect(account.templates).toEqual([]);
  });

  it.each([
    ['pause', 'a deployment that is not ready', 'paused'],
    ['resume', 'a deployment that is not paused', 'resumed'],
  ])('refuses to %s %s with 409', async (action, _what, word) => {
    const res = await request(sys.url)
      .post('/v1/deployments')
      .set(auth())
      .send({ hf_model_id: 'black-forest-labs/FLUX.1-dev' });
    const id = String(res.body.deployment_id);
    await sys.waitForStatus(id, ['failed']);
    const out = await request(sys.url).post(`/v1/deployments/${id}/${action}`).set(auth());
    expect(out.status).toBe(409);
    expect(out.body.detail).toContain(`can be ${word}`);
  });

  it("answers 404 to pause or resume another owner's deployment", async () => {
    const id = await readyDeployment();
    for (const action of ['pause', 'resume']) {
      const res = await request(sys.url)
        .post(`/v1/deployments/${id}/${action}`)
        .set({ Authorization: `Bearer ${fakeRunPodKey()}` });
      expect(res.status).toBe(404);
    }
  });
});

describe('jobs of a deleted deployment', () => {
  it('ends a job still running when its deployment is deleted as cancelled with DEPLOYMENT_DELETED', async () => {
    const id = await readyDeployment();
    sys.runpod.set({ jobMs: 60_000 });
    const job = await request(sys.url)
      .post(`/v1/deployments/${id}/jobs`)
      .set(auth())
      .send({ input: { prompt: 'never finishes' } });
    expect(job.status).toBe(202);
    await request(sys.url).delete(`/v1/deployments/${id}`).set(auth()).expect(202);
    await sys.waitForStatus(id, ['deleted']);
    const read = await request(sys.url)
      .get(`/v1/jobs/${String(job.body.job_id)}`)
      .set(auth());
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      status: 'cancelled',
      error: { code: 'DEPLOYMENT_DELETED' },
    });
  });
});
