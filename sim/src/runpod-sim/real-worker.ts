import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobRecord, RealWorkerOptions } from './sim-types';
import type { EndpointState, SimWorld, WorkerState } from './sim-world';

/**
 * Runs our real Python worker as a sim worker's container: the entry point of worker/Dockerfile's
 * CMD (`RealWorkerOptions.command`) with the endpoint's env, plus the `runpod` SDK's local API flags
 * (runpod-python `runpod/serverless/__init__.py`: `--rp_serve_api --rp_api_port --rp_api_host`).
 * The worker reports its own `downloading`/`loading`/`ready` events to `VISGATE_EVENTS_URL`; the
 * sim lists it INITIALIZING until the SDK's API answers (the SDK starts only after the model is
 * loaded, as on RunPod, where an IDLE worker is one polling for jobs), then IDLE. Jobs go to the
 * SDK's `POST /runsync` (runpod-python `serverless/modules/rp_fastapi.py` `_sim_runsync`).
 */

export interface RealProcess {
  child: ChildProcess;
  pid: number;
  /** Base URL of the SDK's local API. */
  api: string;
  /** Resolves once the process has exited (and its disk is removed). */
  exited: Promise<void>;
  hasExited: boolean;
}

/**
 * What a process needs from this host to find its interpreter (PATH, pyenv, HOME, locale), and
 * nothing else: a container starts without the host's variables (no stray HF_TOKEN or RUNPOD_*).
 */
export function hostEnv(): Record<string, string> {
  const names = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'PYENV_ROOT', 'PYENV_VERSION'];
  // eslint-disable-next-line no-restricted-properties -- test support: the child needs PATH and friends
  const env = process.env;
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/** Whether this endpoint's workers run the real worker. */
export function usesRealWorker(world: SimWorld, env: Record<string, string>): boolean {
  const real = world.options.realWorker;
  if (!real) return false;
  return real.models === undefined || real.models.includes(env.VISGATE_MODEL_ID ?? '');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return port;
}

/**
 * Starts the process for `worker`; calls `onIdle` once its API answers and `onExit` if it exits
 * by itself (a crashed container). Every process is stopped by `stopRealWorker`.
 */
export function startRealWorker(
  world: SimWorld,
  endpoint: EndpointState,
  worker: WorkerState,
  env: Record<string, string>,
  events: { onIdle: () => void; onExit: (code: number | null) => void },
): void {
  const real = world.options.realWorker as RealWorkerOptions;
  void (async () => {
    const port = await freePort();
    if (worker.removed) return;
    // A fresh container disk per start: models, RunPod's (empty) model cache, the Hub's cache.
    const disk = mkdtempSync(join(tmpdir(), 'runpod-sim-worker-'));
    const [file = 'python3', ...args] = real.command;
    const child = spawn(
      file,
      [...args, '--rp_serve_api', '--rp_api_port', String(port), '--rp_api_host', '127.0.0.1'],
      {
        cwd: real.cwd,
        detached: true, // its own process group, so a stop reaches every process it started
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...hostEnv(),
          VISGATE_MODELS_DIR: join(disk, 'models'),
          VISGATE_RUNPOD_CACHE_DIR: join(disk, 'runpod-cache'),
          HF_HOME: join(disk, 'hf-home'),
          ...env,
          ...real.env,
          // What RunPod sets in every serverless container (docs serverless/development/
          // environment-variables.mdx).
          RUNPOD_POD_ID: worker.rec.id,
          RUNPOD_ENDPOINT_ID: endpoint.rec.id,
        },
      },
    );
    const pid = child.pid ?? 0;
    let resolveExit: () => void = () => undefined;
    const proc: RealProcess = {
      child,
      pid,
      api: `http://127.0.0.1:${port}`,
      hasExited: false,
      exited: new Promise<void>((resolve) => {
        resolveExit = resolve;
      }),
    };
    world.realProcesses.add(proc);
    worker.proc = proc;
    worker.rec.pid = pid;
    world.changed();
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) real.onOutput?.(worker.rec.id, line);
      });
    }
    child.on('exit', (code) => {
      proc.hasExited = true;
      rmSync(disk, { recursive: true, force: true });
      world.realProcesses.delete(proc);
      resolveExit();
      if (worker.proc === proc) {
        worker.proc = null;
        worker.rec.pid = null;
        world.changed();
        if (!worker.removed) events.onExit(code);
      }
    });
    child.on('error', () => {
      // spawn failed (no such command): 'exit' may never come.
      if (!proc.hasExited) child.emit('exit', 127, null);
    });

    // The SDK's API (FastAPI's /openapi.json) answers only after our worker booted and called
    // runpod.serverless.start.
    const deadline = Date.now() + (real.bootTimeoutMs ?? 300_000);
    // Removal and exit happen meanwhile, from other callbacks.
    const gone = () => worker.removed || proc.hasExited || worker.proc !== proc;
    while (!gone()) {
      try {
        const res = await fetch(`${proc.api}/openapi.json`, {
          signal: AbortSignal.any([worker.abort.signal, AbortSignal.timeout(2_000)]),
        });
        await res.arrayBuffer();
        if (res.ok) {
          events.onIdle();
          return;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        stopRealWorker(worker);
        return;
      }
      await worker.scope.wait(200);
    }
  })();
}

/** Stops the worker's process group: SIGTERM, then SIGKILL after `graceMs`. */
export function stopRealWorker(worker: WorkerState, graceMs = 3_000): void {
  const proc = worker.proc;
  worker.proc = null;
  worker.rec.pid = null;
  if (!proc || proc.hasExited) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid, sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => {
    signal('SIGKILL');
  }, graceMs);
  void proc.exited.then(() => {
    clearTimeout(timer);
  });
}

/**
 * Runs `job` on the real worker through the SDK's `/runsync`; `done` receives the output or the
 * error string as RunPod reports a handler error (rp_fastapi.py: `{"status": "FAILED", "error"}`).
 */
export function runRealJob(
  worker: WorkerState,
  job: JobRecord,
  done: (result: { output: unknown } | { error: string }) => void,
): void {
  const proc = worker.proc;
  if (!proc) {
    done({ error: 'worker exited' });
    return;
  }
  void (async () => {
    try {
      const res = await fetch(`${proc.api}/runsync`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: job.input }),
        signal: worker.abort.signal,
      });
      const body = (await res.json()) as { status?: string; output?: unknown; error?: unknown };
      if (res.ok && body.status === 'COMPLETED') done({ output: body.output });
      else done({ error: typeof body.error === 'string' ? body.error : JSON.stringify(body) });
    } catch (err) {
      if (!worker.removed) done({ error: `worker unreachable: ${String(err)}` });
    }
  })();
}
