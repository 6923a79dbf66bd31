import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signWebhook } from '@visgate/shared';
import { createRunPodClient } from '../../functions/src/adapters/runpod/runpod-client';
import { startLocalSystem, type LocalSystem } from '@visgate/sim';
import { buildCliBundle, startCli, type CliResult } from './run-cli';

jest.setTimeout(60_000);

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let BIN: string;
let sys: LocalSystem;
let dir: string;

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // eslint-disable-next-line no-restricted-properties -- the child needs PATH and friends
  const inherited = process.env;
  return {
    ...inherited,
    VISGATE_API_URL: sys.url,
    RUNPOD_API_KEY: sys.apiKey,
    VISGATE_RUNPOD_API_URL: sys.runpod.url,
    VISGATE_POLL_MS: '25',
    XDG_CONFIG_HOME: join(dir, 'config'),
    ...extra,
  };
}

/** Runs the built `visgate` as a child process (stdout/stderr are pipes: not a TTY). */
function visgate(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(BIN, args, { cwd: dir, env: baseEnv(env) }).done;
}

beforeAll(async () => {
  BIN = buildCliBundle();
  sys = await startLocalSystem({ runpod: { initMs: 400, downloadMs: 400, loadMs: 200 } });
  dir = await mkdtemp(join(tmpdir(), 'visgate-cli-'));
});

afterAll(async () => {
  await sys.close();
  await rm(dir, { recursive: true, force: true });
});

describe('visgate CLI against the local system', () => {
  let deploymentId = '';

  it('deploys with --wait, printing one progress line per change in a non-TTY', async () => {
    const r = await visgate(['deploy', 'stabilityai/sd-turbo', '--wait']);
    expect(r.stderr).not.toMatch(/unexpected/);
    expect(r.code).toBe(0);
    deploymentId = r.stdout.trim().split('\n')[0] ?? '';
    expect(deploymentId).toMatch(/^dpl_[a-z2-7]{26}$/);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toContain('\x1b[');
    const lines = r.stderr.split('\n').filter(Boolean);
    const statuses = lines.map((l) => l.split(/\s+/)[0]);
    // The CLI starts in a second process, so on a loaded machine it may first see the deployment
    // a step or two in; what it prints must still follow the pipeline in order up to ready, and
    // the worker's load (slowed down in this suite) is always seen.
    const order = ['queued', 'validating', 'selecting_gpu', 'provisioning', 'loading', 'ready'];
    const firstSeen = order.map((s) => statuses.indexOf(s)).filter((i) => i >= 0);
    expect([...firstSeen].sort((a, b) => a - b)).toEqual(firstSeen);
    expect(statuses).toContain('loading');
    expect(statuses).toContain('ready');
    expect(lines.some((l) => /loading .*AMPERE_16 \$\d+\.\d{3}\/h/.test(l))).toBe(true);
    expect(lines.some((l) => /^ready .*model in VRAM/.test(l))).toBe(true);
    for (let i = 1; i < lines.length; i++) expect(lines[i]).not.toBe(lines[i - 1]);
  });

  it('runs a job and writes a real PNG with -o', async () => {
    const r = await visgate([
      'run',
      deploymentId,
      'an astronaut riding a horse',
      '-o',
      'out.png',
      '--width',
      '64',
      '--height',
      '64',
      '--seed',
      '3',
      '--steps',
      '2',
    ]);
    expect(r.stderr).not.toMatch(/visgate:/);
    expect(r.code).toBe(0);
    const png = await readFile(join(dir, 'out.png'));
    expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    // The description is the file's own IHDR size, whatever the worker returned.
    const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect(r.stdout).toMatch(new RegExp(`^wrote out\\.png ${w}x${h} seed 3 \\(`));
    expect(r.stderr).toMatch(/job_[a-z2-7]{26}\s+completed/);
    const listed = await visgate(['jobs', deploymentId]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^JOB\s+STATUS\s+EXECUTION\s+COST/);
    expect(listed.stdout).toMatch(/job_[a-z2-7]{26}\s+completed\s+\d+\.\d s\s+\$\d[\d.]*\s/);
  });

  it('lists deployments as a table and as JSON, and shows one status', async () => {
    const table = await visgate(['ls']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+MODEL\s+GPU\s+PRICE\s+CREATED$/);
    expect(table.stdout).toMatch(new RegExp(`${deploymentId}\\s+ready\\s+stabilityai/sd-turbo`));
    const json = await visgate(['ls', '--json']);
    const docs = JSON.parse(json.stdout) as { deployment_id: string }[];
    expect(docs.map((d) => d.deployment_id)).toContain(deploymentId);
    const one = await visgate(['status', deploymentId]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^ready\s+AMPERE_16/m);
    // sd-turbo is public: RunPod cached it, and the worker loaded it without a download.
    expect(one.stdout).toMatch(/^weights {3}runpod_cache · fetch 0\.0 s · load \d+\.\d s/m);
  });

  it('pauses, resumes with --wait by polling when SSE is off, and deletes with --wait', async () => {
    const paused = await visgate(['pause', deploymentId]);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/^paused\s+endpoint \S+ kept at 0 workers/);
    const resumed = await visgate(['resume', deploymentId, '--wait'], { VISGATE_SSE: '0' });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^ready\s/);
    expect(resumed.stderr).toMatch(/^loading\s/m);
    // One final line, timed from the resume rather than from the deployment's creation.
    const readyLines = `${resumed.stdout}${resumed.stderr}`
      .split('\n')
      .filter((l) => l.startsWith('ready'));
    expect(readyLines).toHaveLength(1);
    expect(readyLines[0]).toMatch(/; ready in \d+(\.\d)? s$/);
    const deleted = await visgate(['delete', deploymentId, '--wait', '--json']);
    expect(deleted.code).toBe(0);
    expect((JSON.parse(deleted.stdout) as { status: string }).status).toBe('deleted');
  });

  it('exits 3 with the failure code when the deployment it waits for fails', async () => {
    const r = await visgate(['deploy', 'black-forest-labs/FLUX.1-dev', '--wait']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/visgate: deployment dpl_\w+ failed: MODEL_GATED/);
  });

  it('exits non-zero with the problem+json detail, and 2 on usage errors', async () => {
    const missing = await visgate(['status', 'dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('visgate: no such deployment [NOT_FOUND]\n');
    const invalid = await visgate(['deploy', 'not a model']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/hf_model_id: .*\[VALIDATION_FAILED\]/);
    const noKey = await visgate(['ls'], { RUNPOD_API_KEY: '' });
    expect(noKey.code).toBe(2);
    const unknown = await visgate(['frobnicate']);
    expect(unknown.code).toBe(2);
    const noArg = await visgate(['run']);
    expect(noArg).toMatchObject({
      code: 2,
      stderr: 'visgate: missing <deployment> (see visgate run --help)\n',
    });
    const badFlag = await visgate(['ls', '--bogus']);
    expect(badFlag.code).toBe(2);
  });

  it('cleanup lists stale visgate endpoints and, with --yes, deletes only those', async () => {
    const client = createRunPodClient({
      apiBaseUrl: sys.runpod.url,
      endpointBaseUrl: sys.runpod.url,
      timeoutMs: 5000,
    });
    const orphanName = 'visgate-dpl_orphanorphanorphanorphanor';
    const template = await client.createTemplate(sys.apiKey, {
      name: orphanName,
      image: 'ghcr.io/visgate-ai/visgate-worker:0.1.0',
      diskGb: 20,
      env: {},
    });
    const spec = {
      templateId: template.id,
      pools: ['AMPERE_16'],
      workersMin: 0,
      workersMax: 1,
      idleTimeoutS: 5,
      flashboot: true,
      dataCenterIds: null,
      executionTimeoutMs: 600_000,
      minCudaVersion: null,
    };
    const orphan = await client.createEndpoint(sys.apiKey, { ...spec, name: orphanName });
    const own = await client.createTemplate(sys.apiKey, {
      name: 'my-own-template',
      image: 'example/image:1',
      diskGb: 20,
      env: {},
    });
    const foreign = await client.createEndpoint(sys.apiKey, {
      ...spec,
      templateId: own.id,
      name: 'my-own-endpoint',
    });
    const live = await visgate(['deploy', 'stabilityai/sd-turbo', '--wait']);
    expect(live.code).toBe(0);

    const dry = await visgate(['cleanup']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(`endpoint\\s+${orphan.id}\\s+${orphanName}\\s+no such deployment`),
    );
    expect(dry.stdout).toMatch(new RegExp(`template\\s+${template.id}\\s+${orphanName}`));
    expect(dry.stderr).toContain('run again with --yes');
    expect(sys.runpod.account(sys.apiKey).endpoints.map((e) => e.id)).toContain(orphan.id);

    const r = await visgate(['cleanup', '--yes']);
    expect(r.stderr).not.toContain('visgate:');
    expect(r.stderr).toContain(`deleted endpoint ${orphan.id}`);
    expect(r.code).toBe(0);
    const account = sys.runpod.account(sys.apiKey);
    const ids = account.endpoints.map((e) => e.id);
    expect(ids).not.toContain(orphan.id);
    expect(ids).toContain(foreign.id);
    expect(account.endpoints.filter((e) => e.name.startsWith('visgate-dpl_'))).toHaveLength(1);
    expect(account.templates.map((t) => t.id)).not.toContain(template.id);
    expect(account.templates.map((t) => t.id)).toContain(own.id);
  });

  it('webhook listen verifies signatures and prints each event', async () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, 'webhook', 'listen', '--port', '0', '--secret', secret],
      { cwd: dir, env: baseEnv({}) },
    );
    let stdout = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr!.on('data', (c: Buffer) => {
          err += c.toString();
          const m = /listening on (http:\/\/\S+)/.exec(err);
          if (m) resolve(m[1]!);
        });
        child.on('close', () => {
          reject(new Error(`listener exited: ${err}`));
        });
      });
      const body = JSON.stringify({
        type: 'job.completed',
        timestamp: new Date().toISOString(),
        data: { job_id: 'job_x', status: 'completed' },
      });
      const ts = Math.floor(Date.now() / 1000);
      const good = await fetch(url, {
        method: 'POST',
        headers: {
          'webhook-id': 'msg_job_x_completed',
          'webhook-timestamp': String(ts),
          'webhook-signature': await signWebhook(secret, 'msg_job_x_completed', ts, body),
        },
        body,
      });
      expect(good.status).toBe(204);
      const bad = await fetch(url, {
        method: 'POST',
        headers: {
          'webhook-id': 'msg_forged',
          'webhook-timestamp': String(ts),
          'webhook-signature': 'v1,AAAA',
        },
        body,
      });
      expect(bad.status).toBe(401);
      const deadline = Date.now() + 5000;
      while (stdout.split('\n').filter(Boolean).length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(stdout).toContain('✓ job.completed  job_x completed  (msg_job_x_completed)');
      expect(stdout).toMatch(/✗ rejected POST \/: signature or timestamp invalid/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
