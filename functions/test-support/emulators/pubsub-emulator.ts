import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const SOURCE = path.join(ROOT, 'tools/pstest');
export const PSTEST_BINARY = path.join(ROOT, '.tools/pstest');

export interface PubSubEmulator {
  host: string;
  close(): Promise<void>;
}

/** Builds tools/pstest (our wrapper around Google's pstest) when the binary is missing or stale. */
export function buildPstest(): void {
  const newest = Math.max(
    ...['main.go', 'go.mod', 'go.sum'].map((f) => statSync(path.join(SOURCE, f)).mtimeMs),
  );
  if (existsSync(PSTEST_BINARY) && statSync(PSTEST_BINARY).mtimeMs >= newest) return;
  execFileSync('go', ['build', '-o', PSTEST_BINARY, '.'], {
    cwd: SOURCE,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 300_000,
  });
}

/** Starts pstest on a free loopback port; resolves once it prints READY. */
export async function startPubSubEmulator(): Promise<PubSubEmulator> {
  buildPstest();
  const child: ChildProcess = spawn(PSTEST_BINARY, ['-addr', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const host = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      reject(new Error(`pstest did not start: ${out}`));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pstest exited with ${String(code)}: ${out}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    host,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => {
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
