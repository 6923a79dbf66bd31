import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Builds the CLI bundle (cli/build.ts, as `npm run build -w cli` does) into a fresh directory and
 * returns its path: the tests run the very file `npm install -g` installs, with no tsx at run time.
 */
export function buildCliBundle(): string {
  const out = join(mkdtempSync(join(tmpdir(), 'visgate-bin-')), 'visgate.js');
  execFileSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'build.ts'), '--outfile', out],
    { stdio: 'pipe' },
  );
  return out;
}

/** A running `visgate` child with its output so far. */
export interface CliChild {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr or stdout matches `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

/** Starts `node <bin> …args` with `env` (stdout and stderr are pipes: not a terminal). */
export function startCli(
  bin: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string; stdin?: string },
): CliChild {
  const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd, env: opts.env });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const l of listeners) l();
  };
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    notify();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    notify();
  });
  if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      notify();
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    waitFor(re, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (re.test(stdout) || re.test(stderr)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          } else if (child.exitCode !== null) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`visgate exited before ${String(re)}:\n${stdout}\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${String(re)}:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}
