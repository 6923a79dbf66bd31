import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** One of Google's emulators, started through the installed Google Cloud CLI. */
export interface GcloudEmulator {
  /** `127.0.0.1:<port>`, for FIRESTORE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST. */
  host: string;
  /** Stops the gcloud wrapper, its process group and the emulator's Java process; idempotent. */
  close(): Promise<void>;
  /** Synchronous last resort (a process 'exit' hook): signals the same processes, waits for none. */
  kill(): void;
}

export interface GcloudEmulatorSpec {
  /** For messages: "Firestore emulator". */
  label: string;
  /** gcloud arguments before `--host-port`, e.g. ['emulators', 'firestore', 'start']. */
  args: readonly string[];
  /** More gcloud arguments after `--host-port`. */
  extraArgs?: readonly string[];
  /** A line of the emulator's output that says it serves requests. */
  ready: RegExp;
  timeoutMs?: number;
}

/** A port the OS just handed out on loopback (free now; the emulator binds it moments later). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
};

/**
 * PIDs of the processes listening on 127.0.0.1:`port` (from /proc/net/tcp and each process's socket
 * fds), plus any Java process started with `--port=<port>`: the emulators' Java processes, which
 * may sit in a process group other than the gcloud wrapper's.
 */
export function pidsOnPort(port: number): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; column 9 is the socket inode.
      const local = cols[1];
      if (!local || cols[3] !== '0A') continue;
      if (parseInt(local.split(':')[1] ?? '', 16) === port && cols[9]) inodes.add(cols[9]);
    }
  }
  const found = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (
        path.basename(cmdline[0] ?? '') === 'java' &&
        cmdline.some((a) => a === `--port=${port}`)
      ) {
        found.add(pid);
        continue;
      }
      if (inodes.size === 0) continue;
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1] && inodes.has(m[1])) {
          found.add(pid);
          break;
        }
      }
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return [...found];
}

/**
 * Last resort for a jest run that dies without its globalTeardown (killed, crashed): a tiny detached
 * shell that waits for the jest process to go and then stops the emulator's group and Java process
 * and removes its gcloud config folder. It exits by itself once the emulator is gone.
 */
function startWatchdog(
  parent: number,
  group: number,
  pids: readonly number[],
  config: string,
): void {
  const targets = [`-${group}`, ...pids.map(String)];
  const script = [
    `up() { for t in ${targets.join(' ')}; do kill -0 "$t" 2>/dev/null && return 0; done; return 1; }`,
    `while kill -0 ${parent} 2>/dev/null && up; do sleep 1; done`,
    'up || exit 0',
    `kill -TERM ${targets.join(' ')} 2>/dev/null; sleep 5`,
    `up && kill -KILL ${targets.join(' ')} 2>/dev/null`,
    `rm -rf '${config}'; exit 0`,
  ].join('\n');
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

async function waitForTcp(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(child: ChildProcess, port: number, extra: readonly number[]): Promise<void> {
  const group = child.pid;
  const targets = new Set([...extra, ...pidsOnPort(port)]);
  if (group !== undefined) signal(-group, 'SIGTERM');
  for (const pid of targets) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  const left = (): number[] =>
    [...targets, ...pidsOnPort(port)]
      .filter(alive)
      .concat(group !== undefined && alive(group) ? [group] : []);
  while (left().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of left()) signal(pid, 'SIGKILL');
  if (group !== undefined) signal(-group, 'SIGKILL');
  // Reap the wrapper so no zombie is left behind.
  if (child.exitCode === null && child.signalCode === null)
    await new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
      setTimeout(resolve, 2_000).unref();
    });
}

async function startOnce(spec: GcloudEmulatorSpec, port: number): Promise<GcloudEmulator> {
  const config = mkdtempSync(path.join(tmpdir(), 'visgate-gcloud-'));
  /* eslint-disable no-restricted-properties -- the emulator inherits the environment, minus gcloud's */
  const env = {
    ...process.env,
    // Never the user's gcloud config or credentials; no prompts, no update checks.
    CLOUDSDK_CONFIG: config,
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
  };
  /* eslint-enable no-restricted-properties */
  // Its own process group (detached), so the whole tree can be signalled at once.
  const child = spawn(
    'gcloud',
    [...spec.args, `--host-port=127.0.0.1:${port}`, ...(spec.extraArgs ?? [])],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= stop(child, port, []).finally(() => {
      rmSync(config, { recursive: true, force: true });
    });
    return closed;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${spec.label} not ready after ${spec.timeoutMs ?? 60_000} ms`));
      }, spec.timeoutMs ?? 60_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (spec.ready.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', (e) => {
        clearTimeout(timer);
        const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
        reject(missing ? new Error('the Google Cloud CLI (gcloud) is not on PATH') : e);
      });
      child.once('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`${spec.label} exited (${String(code ?? sig)})`));
      });
    });
    await waitForTcp(port, 10_000);
  } catch (e) {
    await close();
    throw new Error(`${(e as Error).message}\n${output.slice(-2_000)}`, { cause: e });
  }
  // Keep draining its output (a full pipe would stall the emulator), keep only the tail.
  child.stdout.removeAllListeners('data');
  child.stderr.removeAllListeners('data');
  child.stdout.resume();
  child.stderr.resume();
  child.removeAllListeners('exit');
  if (child.pid !== undefined) startWatchdog(process.pid, child.pid, pidsOnPort(port), config);
  const kill = (): void => {
    if (child.pid !== undefined) signal(-child.pid, 'SIGTERM');
    for (const pid of pidsOnPort(port)) signal(pid, 'SIGTERM');
    rmSync(config, { recursive: true, force: true });
  };
  return { host: `127.0.0.1:${port}`, close, kill };
}

/**
 * Starts one of Google's emulators through `gcloud` on a free loopback port with a throwaway
 * CLOUDSDK_CONFIG, and resolves once it serves. A port taken between choosing and binding it
 * (another run started at the same moment) gets a fresh port, up to three times.
 */
export async function startGcloudEmulator(spec: GcloudEmulatorSpec): Promise<GcloudEmulator> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await startOnce(spec, await freeLoopbackPort());
    } catch (e) {
      last = e;
      if (!/address already in use|BindException|Failed to bind/i.test(String(e))) break;
    }
  }
  throw last;
}
