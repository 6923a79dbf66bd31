import { randomBytes } from 'node:crypto';
import request from 'supertest';
import {
  CreateDeploymentBodySchema,
  deploymentId,
  newDeployment,
  newWebhookSecret,
  normalizeDeploymentRequest,
} from '@visgate/shared';
import { ownerHash } from '../../src/policy/owner';
import { startLocalSystem, type LocalSystem } from '@visgate/sim';

jest.setTimeout(60_000);

/** A step that keeps failing for one deployment ends it `failed` after STEP_MAX_ATTEMPTS deliveries. */
describe('a step that keeps failing', () => {
  let sys: LocalSystem;
  beforeAll(async () => {
    sys = await startLocalSystem({ env: { STEP_MAX_ATTEMPTS: '3', LOG_LEVEL: 'warn' } });
  });
  afterAll(async () => {
    await sys.close();
  });
  afterEach(() => {
    sys.hub.set({ down: false });
  });

  const eventsFor = (id: string): { type: string; data: Record<string, unknown> }[] =>
    sys.receiver.received
      .map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> })
      .filter((e) => e.data.deployment_id === id);

  it('fails the deployment with the upstream code and sends deployment.failed when the Hub stays down', async () => {
    sys.hub.set({ down: true });
    const res = await request(sys.url)
      .post('/v1/deployments')
      .set('Authorization', `Bearer ${sys.apiKey}`)
      .send({ hf_model_id: 'stabilityai/sd-turbo', user_webhook_url: sys.receiver.url });
    expect(res.status).toBe(202);
    const id = (res.body as { deployment_id: string }).deployment_id;
    const doc = await sys.waitForStatus(id, ['failed'], 20_000);
    expect(doc.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', step: 'validate' });
    expect(doc.error?.message).toMatch(/failed 3 times in a row/);
    await sys.receiver.waitFor(() => eventsFor(id).some((e) => e.type === 'deployment.failed'));
    // The message is acknowledged on the last attempt: no fourth delivery reaches the Hub step.
    await sys.quiesce();
    const attempts = sys.log.lines.filter(
      (l) => l.includes('bus handler failed') && l.includes(id),
    ).length;
    expect(attempts).toBe(2);
    const api = await request(sys.url)
      .get(`/v1/deployments/${id}`)
      .set('Authorization', `Bearer ${sys.apiKey}`);
    expect(api.body).toMatchObject({ status: 'failed', error: { code: 'UPSTREAM_UNAVAILABLE' } });
  });

  it('fails, with INTERNAL and without echoing it, a deployment whose stored HF token cannot be sent (accepted before the edge checked it)', async () => {
    // What an older version accepted: a token that is not a valid header value, already sealed.
    const poisoned = 'hf_\u0100poison';
    const owner = ownerHash(sys.system.deps.config.secrets.ownerPepper, sys.apiKey);
    const id = deploymentId(randomBytes(16));
    const req = normalizeDeploymentRequest(
      CreateDeploymentBodySchema.parse({
        hf_model_id: 'stabilityai/sd-turbo',
        user_webhook_url: sys.receiver.url,
      }),
    );
    await sys.system.secrets.put(id, {
      runpodApiKey: sys.apiKey,
      hfToken: poisoned,
      webhookUrl: sys.receiver.url,
      webhookSecret: newWebhookSecret(randomBytes(32)),
      eventsToken: null,
      cache: null,
    });
    await sys.system.store.create(newDeployment(id, owner, req, new Date()));
    await sys.system.bus.publish('deployment-validate', { deployment_id: id });

    const doc = await sys.waitForStatus(id, ['failed'], 20_000);
    expect(doc.error).toMatchObject({ code: 'INTERNAL', step: 'validate' });
    expect(doc.status).not.toBe('validating');
    expect(JSON.stringify(doc)).not.toContain('poison');
    const [failed] = await sys.receiver
      .waitFor(() => eventsFor(id).some((e) => e.type === 'deployment.failed'))
      .then(() => eventsFor(id).filter((e) => e.type === 'deployment.failed'));
    expect(failed?.data).toMatchObject({ status: 'failed', error: { code: 'INTERNAL' } });
  });
});
