import request from 'supertest';
import type { Deployment } from '@visgate/shared';
import { startGcpSystem, type GcpTestSystem } from '../../test-support/emulators/gcp-system';

// A creation step that keeps failing, on the production wiring: Pub/Sub's emulator pushes the
// step's message to its functions-framework server, which answers 500 and is redelivered. The raw
// push body the framework converts carries no delivery attempt, so the bound must hold without it.

jest.setTimeout(90_000);

const MAX_ATTEMPTS = 3;
let sys: GcpTestSystem;

beforeAll(async () => {
  sys = await startGcpSystem({ env: { STEP_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
});

afterAll(async () => {
  sys.hub.set({ down: false });
  await sys.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
});

function waitForFailed(id: string, timeoutMs: number): Promise<Deployment> {
  return new Promise((resolve, reject) => {
    let last: Deployment | null = null;
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`deployment ${id} never failed: last ${JSON.stringify(last?.status)}`));
    }, timeoutMs);
    const stop = sys.gcp.deps.store.watch(id, (d) => {
      last = d;
      if (d.status === 'failed') {
        clearTimeout(timer);
        stop();
        resolve(d);
      }
    });
  });
}

describe('a poisoned step delivered by Pub/Sub push', () => {
  it(`fails the deployment with the upstream code after ${MAX_ATTEMPTS} deliveries when the Hub stays down`, async () => {
    sys.hub.set({ down: true });
    const res = await request(sys.url)
      .post('/v1/deployments')
      .set('Authorization', `Bearer ${sys.apiKey}`)
      .send({ hf_model_id: 'stabilityai/sd-turbo', user_webhook_url: sys.receiver.url });
    expect(res.status).toBe(202);
    const id = (res.body as { deployment_id: string }).deployment_id;

    const failed = await waitForFailed(id, 75_000);
    expect(failed.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', step: 'validate' });
    expect(failed.error?.message).toMatch(`failed ${MAX_ATTEMPTS} times in a row`);
    // Counted by the step itself, one per delivery that reached it.
    expect(failed.runtime.step_failures).toEqual({ validate: MAX_ATTEMPTS });

    await sys.receiver.waitFor(() =>
      sys.receiver.received.some((r) => {
        const b = JSON.parse(r.body) as { type: string; data: { deployment_id: string } };
        return b.type === 'deployment.failed' && b.data.deployment_id === id;
      }),
    );
    const api = await request(sys.url)
      .get(`/v1/deployments/${id}`)
      .set('Authorization', `Bearer ${sys.apiKey}`);
    expect(api.body).toMatchObject({ status: 'failed', error: { code: 'UPSTREAM_UNAVAILABLE' } });
    // The counter is bookkeeping, never part of what the API shows.
    expect(JSON.stringify(api.body)).not.toContain('step_failures');
  });
});
