import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import type { Deployment, DeploymentStatus } from '@visgate/shared';
import { DEPLOYMENTS } from '../../src/adapters/gcp/firestore-deployment-store';
import { startGcpSystem, type GcpTestSystem } from '../../test-support/emulators/gcp-system';

// The end-to-end scenarios of local mode, on the production wiring: functions-framework servers
// over HTTP, Pub/Sub (Google's emulator pushing to them), Cloud Tasks (facade dispatching to the
// task targets), Firestore (Google's emulator), RunPod and Hub simulators.

jest.setTimeout(60_000);

let sys: GcpTestSystem;
/**
 * The statuses of each deployment as a collection listener (onSnapshot) saw them. A real listener
 * may coalesce quick changes, so this is an ordered part of the document's history, not all of it.
 */
const seen = new Map<string, DeploymentStatus[]>();
let stopListening: () => void;

beforeAll(async () => {
  sys = await startGcpSystem();
  stopListening = sys.gcp.clients.firestore.collection(DEPLOYMENTS).onSnapshot((snap) => {
    for (const change of snap.docChanges()) {
      const d = change.doc.data() as Deployment;
      const list = seen.get(d.deployment_id) ?? [];
      if (list.at(-1) !== d.status) list.push(d.status);
      seen.set(d.deployment_id, list);
    }
  });
});

afterAll(async () => {
  stopListening();
  await sys.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
});

function waitFor(
  id: string,
  predicate: (d: Deployment) => boolean,
  timeoutMs = 30_000,
): Promise<Deployment> {
  return new Promise((resolve, reject) => {
    let last: Deployment | null = null;
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(
          `deployment ${id}: last ${JSON.stringify(last?.status)} ${JSON.stringify(last?.error)}`,
        ),
      );
    }, timeoutMs);
    const stop = sys.gcp.deps.store.watch(id, (d) => {
      last = d;
      if (predicate(d)) {
        clearTimeout(timer);
        stop();
        resolve(d);
      }
    });
  });
}

async function deploy(model: string): Promise<{ id: string; secret: string }> {
  const res = await request(sys.url)
    .post('/v1/deployments')
    .set('Authorization', `Bearer ${sys.apiKey}`)
    .send({ hf_model_id: model, user_webhook_url: sys.receiver.url });
  expect(res.status).toBe(202);
  const body = res.body as { deployment_id: string; webhook_secret: string };
  return { id: body.deployment_id, secret: body.webhook_secret };
}

/** `part` appears in `whole` in the same order (each element after the previous one). */
function inOrderWithin<T>(part: readonly T[], whole: readonly T[]): boolean {
  let i = 0;
  for (const x of whole) if (i < part.length && part[i] === x) i += 1;
  return i === part.length;
}

function hooksOf(id: string, type: string) {
  return sys.receiver.received.filter((r) => {
    const b = JSON.parse(r.body) as { type: string; data: { deployment_id: string } };
    return b.type === type && b.data.deployment_id === id;
  });
}

function verify(secret: string, r: { headers: Record<string, unknown>; body: string }) {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  }) as { type: string; data: Record<string, unknown> };
}

describe('the full chain on the GCP adapters, over HTTP and gRPC', () => {
  it('deploys sd-turbo to ready with a signed webhook, settles, deletes everything, and a listener follows it in order', async () => {
    const { id, secret } = await deploy('stabilityai/sd-turbo');
    const ready = await waitFor(id, (d) => d.status === 'ready' || d.status === 'failed');
    expect(ready.error).toBeNull();
    expect(ready.status).toBe('ready');
    expect(ready.gpu?.pool).toBe('AMPERE_16');
    expect(ready.endpoint_url).toBe(`${sys.runpod.url}/v2/${ready.endpoint_id}/run`);

    await sys.receiver.waitFor(() => hooksOf(id, 'deployment.ready').length === 1);
    const hook = verify(secret, hooksOf(id, 'deployment.ready')[0]!);
    expect(hook.data).toMatchObject({ deployment_id: id, status: 'ready' });

    await waitFor(id, (d) => d.runtime.settled);
    const del = await request(sys.url)
      .delete(`/v1/deployments/${id}`)
      .set('Authorization', `Bearer ${sys.apiKey}`);
    expect(del.status).toBe(202);
    const deleted = await waitFor(id, (d) => d.status === 'deleted');
    const account = sys.runpod.account(sys.apiKey);
    expect(account.endpoints).toEqual([]);
    expect(account.templates).toEqual([]);
    await sys.receiver.waitFor(() => hooksOf(id, 'deployment.deleted').length === 1);

    const statuses = deleted.history.map((h) => h.to);
    expect(statuses.slice(0, 6)).toEqual([
      'queued',
      'validating',
      'selecting_gpu',
      'provisioning',
      'loading',
      'ready',
    ]);
    const followed = seen.get(id) ?? [];
    expect(inOrderWithin(followed, statuses)).toBe(true);
    expect(followed).toEqual(expect.arrayContaining(['ready', 'deleted']));
    expect(followed.at(-1)).toBe('deleted');
  });

  it('fails a gated model with MODEL_GATED, sends the failed webhook and creates nothing on RunPod', async () => {
    const before = sys.runpod.account(sys.apiKey);
    const { id, secret } = await deploy('black-forest-labs/FLUX.1-dev');
    const failed = await waitFor(id, (d) => d.status === 'failed' || d.status === 'ready');
    expect(failed.error).toMatchObject({ code: 'MODEL_GATED', step: 'validate', retryable: false });
    await sys.receiver.waitFor(() => hooksOf(id, 'deployment.failed').length === 1);
    expect(verify(secret, hooksOf(id, 'deployment.failed')[0]!).type).toBe('deployment.failed');
    const after = sys.runpod.account(sys.apiKey);
    expect(after.endpoints).toEqual(before.endpoints);
    expect(after.templates).toEqual(before.templates);
    expect(failed.history.map((h) => h.to)).toEqual(['queued', 'validating', 'failed']);
    const followed = seen.get(id) ?? [];
    expect(inOrderWithin(followed, ['queued', 'validating', 'failed'])).toBe(true);
    expect(followed.at(-1)).toBe('failed');
  });
});
