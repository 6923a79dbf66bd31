/**
 * `npm run bench:dev`: the first hour's numbers for the dev server.
 * - `npm run dev` start to the first `/health` 200 (a new process each round, a fresh state file);
 * - GET one deployment, concurrent, on the persistent store (SQLite, LOCAL_STATE_PATH) as a ratio to
 *   the in-memory store, both measured in this run, alternating (goal ≥ 0.8×).
 * BENCH_ROUNDS (default 5) start rounds; BENCH_GET_S (default 5) seconds of GETs per store and round.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { percentile, startDevServer, type DevServer } from '@visgate/sim';

const ROOT = resolve(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GET_S = Number(process.env.BENCH_GET_S ?? 5);
const KEY = 'rpa_BENCH_DEV_0001';

/** Runs `npm run dev` as a user does (npm, the console build, tsx) and polls /health until 200. */
async function startToHealth(): Promise<number> {
  const state = join(mkdtempSync(join(tmpdir(), 'bench-dev-')), 'dev.db');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const started = performance.now();
  const child = spawn('npm', ['run', 'dev', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), LOCAL_STATE_PATH: state, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
    detached: true,
  });
  try {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`dev server exited ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM'); // npm, its shell and the server
    await exited;
  }
}

/** GETs of one deployment for `seconds` with `concurrency` in flight: requests per second. */
async function getRate(
  dev: DevServer,
  id: string,
  seconds: number,
  concurrency = 16,
): Promise<number> {
  const url = `${dev.url}/v1/deployments/${id}`;
  const headers = { authorization: `Bearer ${KEY}` };
  const until = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const res = await fetch(url, { headers });
        if (res.status !== 200) throw new Error(`GET answered ${res.status}`);
        await res.arrayBuffer();
        done += 1;
      }
    }),
  );
  return done / seconds;
}

async function readyDeployment(dev: DevServer): Promise<string> {
  const res = await fetch(`${dev.url}/v1/deployments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hf_model_id: 'stabilityai/sd-turbo' }),
  });
  const id = ((await res.json()) as { deployment_id: string }).deployment_id;
  for (;;) {
    const doc = (await (
      await fetch(`${dev.url}/v1/deployments/${id}`, {
        headers: { authorization: `Bearer ${KEY}` },
      })
    ).json()) as { status: string };
    if (doc.status === 'ready') return id;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const starts: number[] = [];
  for (let i = 0; i < ROUNDS; i++) starts.push(await startToHealth());

  const state = join(mkdtempSync(join(tmpdir(), 'bench-dev-')), 'dev.db');
  const env = { PORT: '0', LOG_LEVEL: 'silent' };
  const persistent = await startDevServer({ env, statePath: state, timeScale: 0.02 });
  const memory = await startDevServer({ env, statePath: '', timeScale: 0.02 });
  const ids = [await readyDeployment(persistent), await readyDeployment(memory)];
  const rates: { persistent: number[]; memory: number[] } = { persistent: [], memory: [] };
  for (let round = 0; round < 3; round++) {
    rates.persistent.push(await getRate(persistent, ids[0]!, GET_S));
    rates.memory.push(await getRate(memory, ids[1]!, GET_S));
  }
  await Promise.all([persistent.close(), memory.close()]);

  const median = (xs: number[]): number => percentile(xs, 50);
  const ratio = median(rates.persistent) / median(rates.memory);
  console.log(
    `\nnode ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)}\n`,
  );
  console.log('| measure | result | goal |');
  console.log('|---|---|---|');
  console.log(
    `| \`npm run dev\` start → first /health 200 (median of ${ROUNDS}, p100 ${Math.max(...starts).toFixed(0)} ms) | ${median(starts).toFixed(0)} ms | |`,
  );
  console.log(
    `| GET one deployment, 16 in flight, persistent store (SQLite) | ${median(rates.persistent).toFixed(0)} req/s | |`,
  );
  console.log(
    `| GET one deployment, 16 in flight, in-memory store | ${median(rates.memory).toFixed(0)} req/s | |`,
  );
  console.log(`| persistent / in-memory | ${ratio.toFixed(2)}× | ≥ 0.8× |`);
}

void main();
