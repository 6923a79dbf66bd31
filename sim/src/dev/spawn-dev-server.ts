import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../../..');
const API_LINE = /^\s*API\s+(http:\/\/\S+)\s*$/m;

export interface SpawnedDevServer {
  /** The API base URL from the banner (the same across `restart`). */
  readonly url: string;
  readonly child: ChildProcess;
  readonly statePath: string;
  /** Everything the server printed so far (stdout and stderr, every run). */
  output(): string;
  /** Sends `signal` and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops it and starts it again on the same port and state file. */
  restart(): Promise<void>;
}

/**
 * `npm run dev` as a child process, for tests that drive it as a user would (the CLI, a browser):
 * resolves once the banner names the API URL. `timeScale` shortens the simulated waits (DEV_TIME_SCALE).
 */
export async function spawnDevServer(
  opts: { env?: Record<string, string>; statePath?: string; timeScale?: number } = {},
): Promise<SpawnedDevServer> {
  const statePath = opts.statePath ?? join(mkdtempSync(join(tmpdir(), 'visgate-dev-')), 'dev.db');
  let out = '';
  let port = '0';
  let child: ChildProcess;
  let url = '';

  const start = async (): Promise<void> => {
    const before = out.length;
    child = spawn(process.execPath, ['--import', 'tsx', 'sim/src/dev/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        ...opts.env,
        PORT: port,
        LOCAL_STATE_PATH: statePath,
        DEV_TIME_SCALE: String(opts.timeScale ?? 0.05),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const append = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`dev server did not start within 30 s:\n${out.slice(before)}`));
      }, 30_000);
      const look = (): void => {
        const found = API_LINE.exec(out.slice(before))?.[1];
        if (!found) return;
        clearTimeout(timer);
        resolveUrl(found);
      };
      child.stdout?.on('data', look);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`dev server exited with ${code}:\n${out.slice(before)}`));
      });
    });
    port = new URL(url).port;
  };

  const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> =>
    new Promise((resolveCode) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolveCode(child.exitCode);
        return;
      }
      child.once('exit', (code) => {
        resolveCode(code);
      });
      child.kill(signal);
    });

  await start();
  return {
    get url() {
      return url;
    },
    get child() {
      return child;
    },
    statePath,
    output: () => out,
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}
