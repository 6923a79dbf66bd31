import { ConfigError, describeListenError, formatBanner } from '@visgate/functions';
import { FIXTURES } from '../hf-sim';
import { DEV_HF_TOKEN, startDevServer, type DevServer } from './dev-server';
import { createReadableLogger } from './readable-logger';

/**
 * `npm run dev`: the local server on simulated RunPod and Hugging Face Hub, for trying the API, the
 * CLI and the console offline. Env: PORT, HOST, LOCAL_STATE_PATH (default `.visgate/dev.db`, empty =
 * memory), DEV_TIME_SCALE (1 = realistic waits), LOG_LEVEL, and any server variable.
 */
async function main(): Promise<void> {
  const env = process.env;
  const statePath = env.LOCAL_STATE_PATH ?? '.visgate/dev.db';
  const timeScale = Number(env.DEV_TIME_SCALE ?? '1');
  const port = env.PORT ?? '8080';
  if (!/^\d+$/.test(port) || Number(port) > 65535) fail(`PORT must be 0–65535, got "${port}"`);
  if (!(timeScale > 0 && timeScale <= 100)) {
    fail(`DEV_TIME_SCALE must be a number above 0 (1 = realistic), got "${env.DEV_TIME_SCALE}"`);
  }
  const log = createReadableLogger(logLevel(env.LOG_LEVEL));
  let dev: DevServer;
  try {
    dev = await startDevServer({ env: { ...env, PORT: port }, statePath, timeScale, log });
  } catch (e) {
    const line =
      describeListenError(e, env.HOST ?? '127.0.0.1', Number(port)) ??
      (e instanceof ConfigError ? e.message.replace(/\s*\n\s*/g, ' ') : null);
    if (line) fail(line);
    throw e;
  }
  process.stdout.write(devBanner(dev, statePath, timeScale));
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void dev.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function devBanner(dev: DevServer, statePath: string, timeScale: number): string {
  const models = FIXTURES.filter((f) => !f.gated && !f.private && f.libraryName === 'diffusers')
    .map((f) => f.id)
    .slice(0, 4);
  const gated = FIXTURES.filter((f) => f.gated || f.private).map((f) => f.id);
  const [fast, slow] = [20, 40].map((s) => Math.max(1, Math.round(s * timeScale)));
  return formatBanner({
    title: 'visgate dev server — simulated RunPod and Hugging Face Hub; nothing is billed',
    rows: [
      ['API', dev.url],
      ['Console', `${dev.url}/ in a browser: deploy, watch, try prompts`],
      [
        'RunPod',
        `simulated (${dev.runpod.url}): any rpa_… key is an account of its own; ${fast}–${slow} s from deploy to ready`,
      ],
      ['Worker', 'simulated: images are real PNGs of the requested size, stamped SIMULATED'],
      ['Hub', `simulated (${dev.hub.url}): ${models.join(', ')}, …`],
      ['', `gated or private (${gated.join(', ')}): --hf-token ${DEV_HF_TOKEN}`],
      [
        'State',
        statePath
          ? `${statePath} (deployments and simulated endpoints survive a restart)`
          : 'memory only (LOCAL_STATE_PATH is empty)',
      ],
    ],
    next: [
      'Try it from another terminal:',
      `  export VISGATE_API_URL=${dev.url} RUNPOD_API_KEY=rpa_DEV_ALICE_0001   # any rpa_… key`,
      '  visgate deploy stabilityai/sd-turbo --wait',
      '  visgate run <id> "a red fox in the snow" -o fox.png',
      '  visgate delete <id>',
      'Ctrl-C stops the server; everything is kept for the next `npm run dev`.',
    ],
  });
}

function logLevel(raw: string | undefined): 'debug' | 'info' | 'warn' | 'error' | 'silent' {
  const level = raw ?? 'info';
  if (['debug', 'info', 'warn', 'error', 'silent'].includes(level)) return level as 'info';
  return fail(`LOG_LEVEL must be debug, info, warn, error or silent, got "${level}"`);
}

function fail(line: string): never {
  process.stderr.write(`visgate dev: ${line}\n`);
  process.exit(2);
}

void main();
