import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { spawnDevServer, type SpawnedDevServer } from './spawn-dev-server';

/**
 * `npm run dev` as a user meets it: a child process, its banner, the HTTP API with made-up keys,
 * a restart in the middle of a deployment, and one clear line when it cannot start.
 */
jest.setTimeout(90_000);

const ALICE = 'rpa_DEV_ALICE_0001';
const BOB = 'rpa_DEV_BOB_0002';

async function api(
  dev: SpawnedDevServer,
  key: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${dev.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const statusOf = async (dev: SpawnedDevServer, key: string, id: string): Promise<string> =>
  String((await api(dev, key, `/v1/deployments/${id}`)).json.status);

describe('npm run dev', () => {
  let dev: SpawnedDevServer;
  beforeAll(async () => {
    dev = await spawnDevServer({ timeScale: 0.05 });
  });
  afterAll(async () => {
    await dev.stop();
  });

  it('prints a banner with the API URL, what is simulated and how to point the CLI at it', () => {
    const out = dev.output();
    expect(out).toMatch(/simulated RunPod and Hugging Face Hub; nothing is billed/);
    expect(out).toContain(`export VISGATE_API_URL=${dev.url}`);
    expect(out).toMatch(/any rpa_… key is an account of its own/);
    expect(out).toMatch(/stamped SIMULATED/);
  });

  it('takes any well-formed RunPod key as an account of its own, and each key sees only its own', async () => {
    const created = await api(dev, ALICE, '/v1/deployments', {
      hf_model_id: 'stabilityai/sd-turbo',
    });
    expect(created.status).toBe(202);
    const id = String(created.json.deployment_id);
    await waitFor('ready', async () => (await statusOf(dev, ALICE, id)) === 'ready');

    expect((await api(dev, BOB, `/v1/deployments/${id}`)).status).toBe(404);
    expect((await api(dev, BOB, '/v1/deployments')).json.data).toEqual([]);
    expect((await api(dev, 'not-a-key', '/v1/deployments')).status).toBe(401);

    // The simulated worker's image is a real PNG of the size asked for.
    const job = await api(dev, ALICE, `/v1/deployments/${id}/jobs`, {
      input: { prompt: 'a red fox in the snow', width: 320, height: 192, seed: 3 },
    });
    expect(job.status).toBe(202);
    const done = await waitFor('job done', async () => {
      const j = await api(dev, ALICE, `/v1/jobs/${String(job.json.job_id)}`);
      return j.json.status === 'completed' ? j.json : null;
    });
    const image = (done.output as { images: { base64: string }[] }).images[0]!;
    const png = Buffer.from(image.base64, 'base64');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([320, 192]);
    expect(png.toString('latin1')).toContain('SIMULATED image');
  });

  it('carries on after a restart in the middle of a deployment: same deployment, same endpoint, ready', async () => {
    const created = await api(dev, ALICE, '/v1/deployments', {
      hf_model_id: 'stabilityai/sdxl-turbo',
    });
    const id = String(created.json.deployment_id);
    await waitFor('loading', async () => (await statusOf(dev, ALICE, id)) === 'loading');
    const before = (await api(dev, ALICE, `/v1/deployments/${id}`)).json;

    await dev.restart();

    await waitFor(
      'ready after the restart',
      async () => (await statusOf(dev, ALICE, id)) === 'ready',
    );
    const after = (await api(dev, ALICE, `/v1/deployments/${id}`)).json;
    expect(after.endpoint_id).toEqual(expect.any(String));
    expect(after.endpoint_id).toBe(before.endpoint_id);
    // The simulated RunPod account is kept under the key's hash, owner-only; never the key itself.
    const simState = `${dev.statePath}.runpod-sim.json`;
    expect(statSync(simState).mode & 0o777).toBe(0o600);
  });

  it('says in one line that the port is taken, and exits 2', async () => {
    const port = new URL(dev.url).port;
    const child = spawn(process.execPath, ['--import', 'tsx', 'sim/src/dev/main.ts'], {
      cwd: `${__dirname}/../../..`,
      env: { ...process.env, PORT: port, LOCAL_STATE_PATH: '' },
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toEqual([
      `visgate dev: port ${port} on 127.0.0.1 is already in use (another visgate server?): stop it or set PORT, e.g. PORT=${Number(port) + 1}`,
    ]);
  });
});
