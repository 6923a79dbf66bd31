import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import type { Deployment, DeploymentStatus } from '@visgate/shared';
import { DEPLOYMENTS } from '../../src/adapters/gcp/firestore-deployment-store';
import { readSse, type SseFrame } from '../../src/local/sse-client';
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

  it('an SSE stream and `visgate deploy --wait` follow a deployment to ready on Firestore listeners', async () => {
    // Both attach to a live deployment through the api function's listener, which may start at any
    // state and coalesce quick changes: each must still show progress in order and end at ready.
    const cli = runCli(['deploy', 'stabilityai/sd-turbo', '--wait', '--json']);
    const { id } = await deploy('stabilityai/sd-turbo');
    const frames: SseFrame[] = [];
    for await (const f of readSse(`${sys.url}/v1/deployments/${id}/events`, {
      Authorization: `Bearer ${sys.apiKey}`,
    }))
      frames.push(f);
    const ids = frames.map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const statuses = frames.map((f) => (JSON.parse(f.data) as { status: DeploymentStatus }).status);
    // Several frames may share a status (progress updates); the statuses never go back.
    const order = statuses.map((st) => PIPELINE.indexOf(st));
    expect(order).not.toContain(-1);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(statuses.at(-1)).toBe('ready');
    // Resuming after the last event seen sends nothing older (later versions of the ready document,
    // such as the settle step's, may follow) and closes at ready.
    const resumed: SseFrame[] = [];
    for await (const f of readSse(`${sys.url}/v1/deployments/${id}/events`, {
      Authorization: `Bearer ${sys.apiKey}`,
      'Last-Event-ID': String(ids.at(-1)),
    }))
      resumed.push(f);
    for (const f of resumed) {
      expect(Number(f.id)).toBeGreaterThan(ids.at(-1)!);
      expect(JSON.parse(f.data)).toMatchObject({ status: 'ready' });
    }

    const r = await cli;
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'ready' });
  });
});

const PIPELINE: readonly DeploymentStatus[] = [
  'queued',
  'validating',
  'selecting_gpu',
  'provisioning',
  'loading',
  'ready',
];

/** The `visgate` command (its source, through tsx) against the gcp system's api function. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const main = path.resolve(__dirname, '../../../cli/src/main.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      timeout: 45_000,
      env: {
        // eslint-disable-next-line no-restricted-properties -- the child needs PATH and friends
        ...process.env,
        VISGATE_API_URL: sys.url,
        RUNPOD_API_KEY: sys.apiKey,
        VISGATE_RUNPOD_API_URL: sys.runpod.url,
        // No key or URL saved by a developer's `visgate login` may stand in for these.
        XDG_CONFIG_HOME: mkdtempSync(path.join(tmpdir(), 'visgate-config-')),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}
