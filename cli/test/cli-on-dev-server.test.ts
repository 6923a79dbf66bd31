import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_HF_TOKEN, simulatedPng, spawnDevServer, type SpawnedDevServer } from '@visgate/sim';
import { buildCliBundle, startCli, type CliResult } from './run-cli';

/**
 * The built `visgate` as a user runs it, against `npm run dev` (a child process on the simulators,
 * at a tenth of real time: about 3.5 s from a deploy to ready): login, deploy with every flag,
 * Ctrl-C and re-attaching, a restart of the server in the middle of a `deploy --wait`, short ids,
 * --json, and the command line's own help, completion and "did you mean".
 */
jest.setTimeout(60_000);

// eslint-disable-next-line no-restricted-properties -- the child needs PATH and friends
const INHERITED = process.env;
const KEY = 'rpa_CLI_DEV_ALICE_01';

let BIN: string;
let dev: SpawnedDevServer;
let home: string;

/** The environment of a user with no key in it and a config directory of their own. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const unset = ['RUNPOD_API_KEY', 'HF_TOKEN', 'VISGATE_API_URL', 'VISGATE_SSE'];
  const base = Object.fromEntries(Object.entries(INHERITED).filter(([k]) => !unset.includes(k)));
  return {
    ...base,
    XDG_CONFIG_HOME: join(home, 'config'),
    VISGATE_API_URL: dev.url,
    VISGATE_POLL_MS: '100',
    ...extra,
  };
}

const withKey = (extra: Record<string, string> = {}) => env({ RUNPOD_API_KEY: KEY, ...extra });

function visgate(args: string[], e: NodeJS.ProcessEnv = withKey(), stdin?: string) {
  return startCli(BIN, args, { cwd: home, env: e, stdin }).done;
}

const idOf = (r: CliResult): string => r.stdout.trim().split('\n')[0] ?? '';

beforeAll(async () => {
  BIN = buildCliBundle();
  home = mkdtempSync(join(tmpdir(), 'visgate-cli-home-'));
  dev = await spawnDevServer({ timeScale: 0.1, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true' } });
});

afterAll(async () => {
  await dev.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('the command line itself', () => {
  it('prints its version, per-command help both ways, and a did-you-mean for typos', async () => {
    const version = await visgate(['--version'], env());
    expect(version).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^visgate \d+\.\d+\.\d+\n$/),
    });
    expect((await visgate(['version'], env())).stdout).toBe(version.stdout);
    const help = await visgate(['deploy', '--help'], env());
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: visgate deploy <model>/m);
    expect(help.stdout).toMatch(/--hf-token TOKEN/);
    expect(help.stdout).toMatch(/^ {2}130 +interrupted/m);
    expect((await visgate(['help', 'deploy'], env())).stdout).toBe(help.stdout);

    const typo = await visgate(['deplyo', 'stabilityai/sd-turbo'], env());
    expect(typo).toMatchObject({ code: 2, stdout: '' });
    expect(typo.stderr).toBe(
      'visgate: unknown command "deplyo"; did you mean "deploy"? (see visgate --help)\n',
    );
    const flag = await visgate(['deploy', 'stabilityai/sd-turbo', '--wiat']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown flag --wiat; did you mean --wait\?/);
    const misplaced = await visgate(['ls', '--gpu-tier', 'PRO']);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(/--gpu-tier does not apply to visgate ls/);
    for (const r of [typo, flag, misplaced]) expect(r.stderr).not.toMatch(/ERR_|TypeError|at /);
  });

  it('prints completion scripts that the shells accept and that know the commands and flags', async () => {
    const bash = await visgate(['completion', 'bash'], env());
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('complete -o default -F _visgate visgate');
    expect(bash.stdout).toMatch(/"deploy"\) words="[^"]*--hf-token[^"]*--workers-max/);
    const file = join(home, 'visgate.bash');
    writeFileSync(file, bash.stdout);
    execFileSync('bash', ['-n', file]);
    // The function completes "visgate jobs c" to "cancel".
    const out = execFileSync(
      'bash',
      [
        '-c',
        `source ${file}; COMP_WORDS=(visgate jobs c); COMP_CWORD=2; _visgate; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe('cancel');
    const zsh = await visgate(['completion', 'zsh'], env());
    expect(zsh.stdout).toMatch(/^#compdef visgate/);
    expect(zsh.stdout).toContain("'estimate:");
    const fish = await visgate(['completion', 'fish'], env());
    expect(fish.stdout).toContain("-a 'wait'");
    expect((await visgate(['completion', 'tcsh'], env())).code).toBe(2);
  });
});

describe('visgate against npm run dev', () => {
  it('logs in (flag, stdin), says who it is and where the key came from, and logs out', async () => {
    const e = env();
    const refused = await visgate(['login', '--key', 'not-a-key'], e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^visgate: not saved: /);

    const saved = await visgate(['login', '--key', KEY], e);
    expect(saved.code).toBe(0);
    const path = join(home, 'config', 'visgate', 'config.json');
    expect(saved.stdout).toBe(`saved rpa_…E_01 to ${path} (readable by you only)\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'config', 'visgate')).mode & 0o777).toBe(0o700);

    const who = await visgate(['whoami'], e);
    expect(who.code).toBe(0);
    expect(who.stdout).toBe(
      `API       ${dev.url}\nkey       rpa_…E_01\nfrom      config file ${path}\naccepted  yes\n`,
    );
    const other = 'rpa_CLI_DEV_BOB_0002';
    const fromEnv = await visgate(['whoami', '--json'], env({ RUNPOD_API_KEY: other }));
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({
      key_source: 'RUNPOD_API_KEY',
      accepted: true,
    });
    const fromFlag = await visgate(['whoami', '--json', '--key', other], e);
    expect(JSON.parse(fromFlag.stdout)).toMatchObject({ key_source: '--key', key: 'rpa_…0002' });

    expect((await visgate(['login'], e, `${other}\n`)).code).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ api_key: other });

    expect((await visgate(['logout'], e)).stdout).toBe(`removed ${path}\n`);
    const nobody = await visgate(['whoami'], e);
    expect(nobody.code).toBe(1);
    expect(nobody.stdout).toMatch(/^accepted {2}not logged in: run visgate login$/m);
    expect((await visgate(['ls'], e)).code).toBe(2);
  });

  it('deploys with every flag and --wait, printing one line per step and one final line', async () => {
    const r = await visgate([
      'deploy',
      'stabilityai/sd-turbo',
      '--wait',
      '--hf-token',
      DEV_HF_TOKEN,
      '--revision',
      'main',
      '--gpu-tier',
      'STANDARD',
      '--workers-min',
      '0',
      '--workers-max',
      '2',
      '--idle-timeout',
      '30s',
      '--ttl',
      '2h',
      '--budget',
      '5',
      '--cache-scope',
      'shared',
      '--webhook',
      'http://127.0.0.1:9/hook',
      '--webhook-events',
      'deployment.ready,deployment.failed',
      '--metadata',
      'team=vision',
      '--no-flashboot',
    ]);
    expect(r.stderr).not.toMatch(/visgate:/);
    expect(r.code).toBe(0);
    const id = idOf(r);
    expect(id).toMatch(/^dpl_[a-z2-7]{26}$/);
    expect(r.stderr).toMatch(/^webhook secret \(shown only now\): whsec_/m);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toContain('\u001b[');
    const ready = r.stderr.split('\n').filter((l) => l.startsWith('ready'));
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatch(/model in VRAM.*; ready in \d+(\.\d)? s$/);
    // No download bar in a pipe; each step once, with the time since the deploy.
    expect(r.stderr).not.toContain('█');
    const steps = r.stderr
      .split('\n')
      .filter((l) => /^(validating|selecting_gpu|provisioning|loading) /.test(l));
    expect(steps.length).toBeGreaterThan(2);
    for (const step of steps) expect(step).toMatch(/ {2}\d+\.\d s$/);

    const doc = JSON.parse((await visgate(['status', id, '--json'])).stdout) as {
      settings: Record<string, unknown>;
      metadata: Record<string, string>;
      revision: string;
    };
    expect(doc.settings).toMatchObject({
      workers_min: 0,
      workers_max: 2,
      idle_timeout_s: 30,
      ttl_s: 7200,
      budget_usd: 5,
      flashboot: false,
      gpu_tier: 'STANDARD',
      cache_scope: 'shared',
      webhook_events: ['deployment.ready', 'deployment.failed'],
    });
    expect(doc.metadata).toEqual({ team: 'vision' });
  });

  it('sends one Idempotency-Key per deploy: the same key twice gives the same deployment', async () => {
    const args = ['deploy', 'stabilityai/sd-turbo', '--idempotency-key', 'cli-test-key-1'];
    const [a, b] = [await visgate(args), await visgate(args)];
    expect(a.code).toBe(0);
    expect(idOf(b)).toBe(idOf(a));
    const fresh = await visgate(['deploy', 'stabilityai/sd-turbo', '--json']);
    expect(JSON.parse(fresh.stdout).deployment_id).not.toBe(idOf(a));
  });

  it('on Ctrl-C says the deployment goes on and how to follow it, exits 130; wait re-attaches by a short id', async () => {
    const cli = startCli(BIN, ['deploy', 'stabilityai/sdxl-turbo', '--wait'], {
      cwd: home,
      env: withKey(),
    });
    await cli.waitFor(/^dpl_[a-z2-7]{26}$/m);
    await cli.waitFor(/^(queued|validating|selecting_gpu|provisioning|loading) /m);
    cli.child.kill('SIGINT');
    const r = await cli.done;
    const id = idOf(r);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(
      `visgate: stopped following ${id}; the deployment goes on (and bills while its workers run).\n` +
        `  follow it again:  visgate wait ${id}\n` +
        `  delete it:        visgate delete ${id}\n`,
    );
    const status = await visgate(['status', id, '--json']);
    expect(JSON.parse(status.stdout).status).not.toMatch(/deleting|deleted|failed/);

    const waited = await visgate(['wait', id.slice(0, 12)]);
    expect(waited.stderr).not.toMatch(/visgate:/);
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(/^ready .*; ready in \d/);
  });

  it('rides through a restart of the server in the middle of deploy --wait and reaches ready', async () => {
    const cli = startCli(BIN, ['deploy', 'stabilityai/sdxl-turbo', '--wait'], {
      cwd: home,
      env: withKey(),
    });
    // Loading, as a worker does for most of a deployment (the server's own restart test does too).
    await cli.waitFor(/^loading /m);
    await dev.restart();
    const r = await cli.done;
    expect(r.stderr).not.toMatch(/visgate:/);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('ready'))).toHaveLength(1);
    // It saw the server go and come back, and said so rather than failing.
    expect(r.stderr).toMatch(
      /^reconnecting +the visgate API at http:\S+ is not answering; retrying/m,
    );
  });

  it('runs a prompt and describes the image it wrote from the file itself', async () => {
    const ids = JSON.parse((await visgate(['ls', '--json', '--status', 'ready'])).stdout) as {
      deployment_id: string;
    }[];
    const id = ids[0]?.deployment_id ?? '';
    const r = await visgate([
      'run',
      id,
      'a red fox',
      '-o',
      'fox.png',
      '--width',
      '320',
      '--height',
      '192',
      '--seed',
      '3',
    ]);
    expect(r.code).toBe(0);
    const png = readFileSync(join(home, 'fox.png'));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([320, 192]);
    expect(r.stdout).toMatch(/^wrote fox\.png 320x192 seed 3 \(\d+\.\d s/);
    const jobs = await visgate(['jobs', id, '--json']);
    expect(JSON.parse(jobs.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ status: 'completed' })]),
    );
  });

  it('runs image-to-image from a local file, at its size, and refuses a mask without an image before sending', async () => {
    const ids = JSON.parse((await visgate(['ls', '--json', '--status', 'ready'])).stdout) as {
      deployment_id: string;
    }[];
    const id = ids[0]?.deployment_id ?? '';
    writeFileSync(join(home, 'sketch.png'), simulatedPng(256, 128, 'a sketch', 1));
    const jobsBefore = (JSON.parse((await visgate(['jobs', id, '--json'])).stdout) as []).length;
    const refused = await visgate(['run', id, 'a fox', '--mask', 'sketch.png', '-o', 'x.png']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--mask needs --image/);
    const jobsAfter = (JSON.parse((await visgate(['jobs', id, '--json'])).stdout) as []).length;
    expect(jobsAfter).toBe(jobsBefore);

    const r = await visgate([
      'run',
      id,
      'the sketch as an oil painting',
      '--image',
      'sketch.png',
      '--strength',
      '0.6',
      '-o',
      'painted.png',
      '--seed',
      '5',
    ]);
    expect(r.code).toBe(0);
    const png = readFileSync(join(home, 'painted.png'));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([256, 128]);
    expect(r.stdout).toMatch(/^wrote painted\.png 256x128 seed 5 \(/);
    const jobs = JSON.parse((await visgate(['jobs', id, '--json'])).stdout) as {
      input: Record<string, unknown>;
    }[];
    expect(jobs.find((j) => j.input.strength === 0.6)?.input.image).toMatch(
      /^base64 \(\d+ characters\)$/,
    );
  });

  it('takes unique id prefixes, lists the matches of an ambiguous one, and hides deleted deployments unless --all', async () => {
    const all = JSON.parse((await visgate(['ls', '--json'])).stdout) as { deployment_id: string }[];
    expect(all.length).toBeGreaterThan(1);
    const ambiguous = await visgate(['status', 'dpl_']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(
      /"dpl_" matches \d+ deployments; type more of the id:\n {2}dpl_/,
    );
    const victim = all[0]?.deployment_id ?? '';
    const deleted = await visgate(['delete', victim.slice(4, 14), '--wait']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout.split('\n').filter((l) => l.startsWith('deleted'))).toHaveLength(1);
    expect((await visgate(['ls'])).stdout).not.toContain(victim);
    expect((await visgate(['ls', '--all'])).stdout).toMatch(new RegExp(`${victim}\\s+deleted`));
    const none = await visgate(['status', 'zzzz']);
    expect(none).toMatchObject({
      code: 1,
      stderr: 'visgate: no deployment of yours starts with "zzzz" (see visgate ls --all)\n',
    });
  });

  it('answers --json on the catalog commands, and estimates a gated model with HF_TOKEN', async () => {
    for (const cmd of [['gpus'], ['models'], ['version'], ['whoami'], ['ls']]) {
      const r = await visgate([...cmd, '--json']);
      expect(r.code).toBe(0);
      expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    }
    const gated = 'black-forest-labs/FLUX.1-dev';
    const refused = await visgate(['estimate', gated]);
    expect(refused.code).toBe(1);
    const est = await visgate(['estimate', gated, '--json'], withKey({ HF_TOKEN: DEV_HF_TOKEN }));
    expect(est.code).toBe(0);
    const e = JSON.parse(est.stdout) as { gpu: { pool: string; price_per_hour_usd: number } };
    expect(e.gpu.price_per_hour_usd).toBeGreaterThan(0);
    const table = await visgate(['estimate', 'stabilityai/sd-turbo']);
    expect(table.stdout).toMatch(/^weights +[\d.]+ GB$/m);
    expect(table.stdout).toMatch(/^VRAM +[\d.]+ GiB/m);
    expect(table.stdout).toMatch(/^price +\$\d+\.\d{3}\/h per worker/m);
    expect(table.stdout).toMatch(/^fallbacks +/m);
    expect(table.stdout).toMatch(/^memory plan +all on the GPU$/m);
    // A video model: its default clip, and a plan that lets a cheaper card serve it.
    const video = await visgate(['estimate', 'Wan-AI/Wan2.1-T2V-1.3B-Diffusers']);
    expect(video.stdout).toMatch(/^video +832×480, 81 frames at 16 fps$/m);
    expect(video.stdout).toMatch(/^task +text-to-video$/m);
    expect(video.stdout).toMatch(/^memory plan +VAE tiling/m);
    const cancel = await visgate(['jobs', 'cancel', 'job_aaaaaaaaaaaaaaaaaaaaaaaaaa']);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/\[NOT_FOUND\]/);
  });
});
