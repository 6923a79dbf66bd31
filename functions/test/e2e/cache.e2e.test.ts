import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AppError, fillLeaseKey, manifestKey, parseS3Url, revisionKeyBase } from '@visgate/shared';
import { hubFileSource } from '../../src/adapters/s3/hub-files';
import type { ModelFileSource } from '../../src/ports';
import {
  checkCache,
  fillCache,
  publishWorkerManifest,
  type CacheRef,
} from '../../src/steps/cache-fill/model-cache';
import { S3Store } from '../../src/adapters/s3/s3-store';
import { startHfSim, type HfSim, startS3Server, type S3Server } from '@visgate/sim';

jest.setTimeout(60_000);

const MODEL = 'visgate-test/cache-model';
const SHA = 'c0ffee0000000000000000000000000000000001';
const GATED = 'visgate-test/gated-model';
const GATED_SHA = 'c0ffee0000000000000000000000000000000002';
const BIG = 20 * 1024 * 1024 + 123; // more than one 16 MiB multipart part
const TWO = 'visgate-test/two-variants';
const TWO_SHA = 'c0ffee0000000000000000000000000000000003';

let s3: S3Server;
let hub: HfSim;
let bucketN = 0;

async function freshBucket(server: S3Server): Promise<string> {
  const name = `cache-${++bucketN}`;
  const c = new S3Client({
    region: 'us-east-1',
    endpoint: server.url,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
  await c.send(new CreateBucketCommand({ Bucket: name }));
  c.destroy();
  return name;
}

/** A new bucket on the moto server and the cache reference of one model revision in it. */
async function freshCache(
  o: { prefix?: string; modelId?: string; revisionSha?: string } = {},
): Promise<CacheRef> {
  const bucket = await freshBucket(s3);
  return {
    store: storeFor(s3, bucket),
    loc: parseS3Url(`s3://${bucket}${o.prefix ?? ''}`),
    modelId: o.modelId ?? MODEL,
    revisionSha: o.revisionSha ?? SHA,
  };
}

function storeFor(server: S3Server, bucket: string, secret = server.secretAccessKey): S3Store {
  return new S3Store(bucket, {
    endpointUrl: server.url,
    accessKeyId: server.accessKeyId,
    secretAccessKey: secret,
  });
}

beforeAll(async () => {
  [s3, hub] = await Promise.all([startS3Server(), startHfSim({ maxResponseBytes: Infinity })]);
  const files = [
    { path: 'model_index.json', json: { _class_name: 'StableDiffusionPipeline' } },
    { path: 'scheduler/scheduler_config.json', json: { _class_name: 'EulerDiscreteScheduler' } },
    { path: 'unet/diffusion_pytorch_model.safetensors', blobBytes: BIG },
    { path: 'vae/diffusion_pytorch_model.safetensors', blobBytes: 1_000_000 },
    // Never cached: the worker does not load them.
    { path: '.gitattributes', text: '*.safetensors filter=lfs\n' },
    { path: 'unet/diffusion_pytorch_model.bin', blobBytes: 3_000_000 },
    { path: 'model.ckpt', blobBytes: 2_000_000 },
  ];
  hub.addRepo({
    id: MODEL,
    sha: SHA,
    libraryName: 'diffusers',
    pipelineTag: 'text-to-image',
    files,
  });
  // SDXL-style: every component in fp32 and fp16 side by side.
  hub.addRepo({
    id: TWO,
    sha: TWO_SHA,
    libraryName: 'diffusers',
    pipelineTag: 'text-to-image',
    files: [
      { path: 'model_index.json', json: { _class_name: 'StableDiffusionXLPipeline' } },
      { path: 'unet/config.json', json: { _class_name: 'UNet2DConditionModel' } },
      { path: 'unet/diffusion_pytorch_model.safetensors', blobBytes: 400_000 },
      { path: 'unet/diffusion_pytorch_model.fp16.safetensors', blobBytes: 200_000 },
      { path: 'vae/diffusion_pytorch_model.safetensors', blobBytes: 100_000 },
      { path: 'vae/diffusion_pytorch_model.fp16.safetensors', blobBytes: 50_000 },
      { path: 'text_encoder/model.safetensors', blobBytes: 80_000 },
      { path: 'text_encoder/model.fp16.safetensors', blobBytes: 40_000 },
    ],
  });
  hub.addRepo({
    id: GATED,
    sha: GATED_SHA,
    gated: 'manual',
    libraryName: 'diffusers',
    pipelineTag: 'text-to-image',
    files,
  });
});

afterAll(async () => {
  await Promise.all([s3.stop(), hub.close()]);
});

/** The worker's S3 path: parse the manifest, ranged GETs, size + sha256 verification. */
const WORKER_FETCH = `
import sys
from pathlib import Path
sys.path.insert(0, "worker/src")
from visgate_worker.model_source import UrllibFetchers, download_manifest_files, parse_manifest
f = UrllibFetchers()
print(download_manifest_files(parse_manifest(f.get_json(sys.argv[1])), Path(sys.argv[2]), f.get_range))
`;

/** Download through the worker's fetcher, then the variant choice load_pipeline makes on disk. */
const WORKER_LOAD_VARIANT = `
import sys
from pathlib import Path
sys.path.insert(0, "worker/src")
from visgate_worker.model_source import UrllibFetchers, choose_variant, download_manifest_files, parse_manifest
f = UrllibFetchers()
dest = Path(sys.argv[2])
download_manifest_files(parse_manifest(f.get_json(sys.argv[1])), dest, f.get_range)
files = [p.relative_to(dest).as_posix() for p in dest.glob("*/*.safetensors")]
print(choose_variant(files, "fp16"))
print(choose_variant(files, None))
`;

const source = (): ModelFileSource => hubFileSource({ hubUrl: hub.url, token: null });
const opts = { verifyLfsOid: false }; // the simulator's LFS oids are stand-ins

describe('model cache on a real S3 server (moto)', () => {
  test('miss → fill (multipart, manifest last) → hit, and the worker manifest is fetchable', async () => {
    const ref = await freshCache({ prefix: '/models' });
    expect(await checkCache(ref)).toEqual({ hit: false, reason: 'no-manifest' });

    const report = await fillCache(ref, source(), opts);
    expect(report.uploaded).toHaveLength(4);
    expect(report.uploaded).not.toContain('unet/diffusion_pytorch_model.bin');
    expect(report.bytesUploaded).toBeGreaterThan(BIG);
    expect(report.wroteManifest).toBe(true);

    const hit = await checkCache(ref);
    expect(hit.hit).toBe(true);
    if (!hit.hit) return;
    const big = hit.manifest.files.find(
      (f) => f.path === 'unet/diffusion_pytorch_model.safetensors',
    )!;
    expect(big.size).toBe(BIG);
    expect(big.sha256).toBe(createHash('sha256').update(Buffer.alloc(BIG)).digest('hex'));

    // The worker's view: presigned URLs only, no credentials anywhere.
    const { manifestUrl } = await publishWorkerManifest(ref, hit.manifest, 'dep_1', 600);
    expect(manifestUrl).toContain('X-Amz-Expires=600');
    const doc = (await (await fetch(manifestUrl)).json()) as {
      files: { path: string; url: string; size: number }[];
    };
    expect(JSON.stringify(doc)).not.toContain(s3.secretAccessKey);
    const vae = doc.files.find((f) => f.path === 'vae/diffusion_pytorch_model.safetensors')!;
    const body = Buffer.from(await (await fetch(vae.url)).arrayBuffer());
    expect(body.length).toBe(vae.size);

    // The worker's own fetcher (python) downloads and verifies every file through those URLs.
    const dest = mkdtempSync(join(tmpdir(), 'visgate-cache-'));
    try {
      const r = spawnSync('python3', ['-c', WORKER_FETCH, manifestUrl, dest], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(Number(r.stdout.trim())).toBe(hit.manifest.files.reduce((n, f) => n + f.size, 0));
      expect(statSync(join(dest, 'unet/diffusion_pytorch_model.safetensors')).size).toBe(BIG);
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }

    // A second fill of a hit is a no-op.
    const again = await fillCache(ref, source(), opts);
    expect(again.uploaded).toEqual([]);
  });

  test('fp32 and fp16 side by side: only the variant the worker loads is cached and listed', async () => {
    const ref = await freshCache({ modelId: TWO, revisionSha: TWO_SHA });
    const report = await fillCache(ref, source(), { ...opts, preferredVariant: 'fp16' });
    expect(report.uploaded.sort()).toEqual([
      'model_index.json',
      'text_encoder/model.fp16.safetensors',
      'unet/config.json',
      'unet/diffusion_pytorch_model.fp16.safetensors',
      'vae/diffusion_pytorch_model.fp16.safetensors',
    ]);
    expect(report.bytesUploaded).toBeLessThan(300_000); // not the 580 kB of fp32 copies
    const hit = await checkCache(ref);
    if (!hit.hit) throw new Error('expected a hit');
    expect(hit.manifest.files.map((f) => f.path).sort()).toEqual(report.uploaded);

    // The worker downloads that copy and picks its weights from what it finds: the fp16 variant,
    // on a GPU (fp16 preferred) and on a CPU (no preference) alike.
    const { manifestUrl } = await publishWorkerManifest(ref, hit.manifest, 'dep_variant', 600);
    const dest = mkdtempSync(join(tmpdir(), 'visgate-variant-'));
    try {
      const r = spawnSync('python3', ['-c', WORKER_LOAD_VARIANT, manifestUrl, dest], {
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim().split('\n')).toEqual(['fp16', 'fp16']);
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });

  test('an interrupted fill is not a hit, and the resumed fill skips the files already done', async () => {
    const ref = await freshCache();
    let n = 0;
    await expect(
      fillCache(ref, source(), {
        ...opts,
        onFile: () => {
          if (++n === 2) throw new Error('worker killed');
        },
      }),
    ).rejects.toThrow('worker killed');
    expect(await checkCache(ref)).toEqual({ hit: false, reason: 'no-manifest' });
    // The failed fill gave its lease back, so the retry does not wait for it to expire.
    expect(await ref.store.head(fillLeaseKey(revisionKeyBase(ref.loc, MODEL, SHA)))).toBeNull();

    const resumed = await fillCache(ref, source(), opts);
    expect(resumed.skipped).toHaveLength(2);
    expect(resumed.uploaded).toHaveLength(2);
    expect((await checkCache(ref)).hit).toBe(true);
  });

  test('the manifest holds a sha256 per part, the worker checks each range against it, and a resumed fill keeps them', async () => {
    const ref = await freshCache();
    const PART = 8 * 1024 * 1024; // the big file: 3 parts, the last one short
    let n = 0;
    await expect(
      fillCache(ref, source(), {
        ...opts,
        partBytes: PART,
        onFile: () => {
          if (++n === 2) throw new Error('worker killed');
        },
      }),
    ).rejects.toThrow('worker killed');
    // A sidecar from a fill before part digests held the bare sha256: that file is listed with the
    // whole-file digest only, and the worker verifies it through that.
    const base = revisionKeyBase(ref.loc, MODEL, SHA);
    const [old] = (await ref.store.list(`${base}/.visgate-sha256`)).keys();
    expect(old).toBeDefined();
    const oldKey = `${base}/.visgate-sha256/${old}`;
    const oldSidecar = JSON.parse((await ref.store.getText(oldKey))!) as { sha256: string };
    await ref.store.put(oldKey, oldSidecar.sha256, 'text/plain');

    const resumed = await fillCache(ref, source(), { ...opts, partBytes: PART });
    expect(resumed.skipped).toHaveLength(2);
    const hit = await checkCache(ref);
    if (!hit.hit) throw new Error('no hit after the resumed fill');
    const byPath = new Map(hit.manifest.files.map((f) => [f.path, f]));
    expect(byPath.get(old!)).toEqual({
      path: old,
      size: byPath.get(old!)!.size,
      sha256: oldSidecar.sha256,
    });
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    const big = byPath.get('unet/diffusion_pytorch_model.safetensors')!;
    expect(big).toEqual({
      path: 'unet/diffusion_pytorch_model.safetensors',
      size: BIG,
      sha256: sha(Buffer.alloc(BIG)),
      part_size: PART,
      part_sha256: [PART, PART, BIG - 2 * PART].map((len) => sha(Buffer.alloc(len))),
      part_crc32: [PART, PART, BIG - 2 * PART].map((len) =>
        crc32(Buffer.alloc(len)).toString(16).padStart(8, '0'),
      ),
    });
    const listed = hit.manifest.files.filter((f) => f.part_sha256 !== undefined);
    expect(listed.length).toBe(hit.manifest.files.length - 1); // the skipped one kept its parts too

    // The worker's manifest carries them, and the worker's fetcher verifies both kinds of file.
    const { manifestUrl } = await publishWorkerManifest(ref, hit.manifest, 'dep_parts', 600);
    const doc = (await (await fetch(manifestUrl)).json()) as {
      files: { path: string; part_sha256?: string[]; part_crc32?: string[] }[];
    };
    expect(doc.files.find((f) => f.path === big.path)?.part_sha256).toEqual(big.part_sha256);
    expect(doc.files.find((f) => f.path === big.path)?.part_crc32).toEqual(big.part_crc32);
    const dest = mkdtempSync(join(tmpdir(), 'visgate-cache-'));
    try {
      const r = spawnSync('python3', ['-c', WORKER_FETCH, manifestUrl, dest], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(Number(r.stdout.trim())).toBe(hit.manifest.files.reduce((n, f) => n + f.size, 0));
      expect(statSync(join(dest, big.path)).size).toBe(BIG);
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });

  test('a corrupted (short) object or a missing one is not a hit', async () => {
    const ref = await freshCache({ prefix: '/p' });
    await fillCache(ref, source(), opts);
    const base = revisionKeyBase(ref.loc, MODEL, SHA);
    await ref.store.put(
      `${base}/vae/diffusion_pytorch_model.safetensors`,
      'short',
      'application/octet-stream',
    );
    expect(await checkCache(ref)).toEqual({
      hit: false,
      reason: 'wrong-size',
      path: 'vae/diffusion_pytorch_model.safetensors',
    });
    await ref.store.delete(`${base}/vae/diffusion_pytorch_model.safetensors`);
    expect(await checkCache(ref)).toMatchObject({ hit: false, reason: 'missing-object' });

    // The refill repairs it: the damaged file is uploaded again, the others are skipped.
    await ref.store.delete(manifestKey(base));
    const repaired = await fillCache(ref, source(), opts);
    expect(repaired.uploaded).toEqual(['vae/diffusion_pytorch_model.safetensors']);
    expect((await checkCache(ref)).hit).toBe(true);
  });

  test('concurrent fills of one model@sha: one runs, the other gets a retryable CONFLICT', async () => {
    const ref = await freshCache();
    const results = await Promise.allSettled([
      fillCache(ref, source(), opts),
      fillCache(ref, source(), opts),
    ]);
    const ran = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ran).toHaveLength(1);
    expect(ran[0]?.value).toMatchObject({ wroteManifest: true });
    expect(ran[0]?.value.uploaded).toHaveLength(4);
    expect(refused).toHaveLength(1);
    const err: unknown = refused[0]?.reason;
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'CONFLICT', retryable: true });
    expect((err as AppError).message).toContain(`${MODEL}@${SHA}`);
    expect((await checkCache(ref)).hit).toBe(true);
    // The winner released its lease; the Cloud Tasks retry of the loser then finds the hit.
    expect(await ref.store.head(fillLeaseKey(revisionKeyBase(ref.loc, MODEL, SHA)))).toBeNull();
    expect(await fillCache(ref, source(), opts)).toMatchObject({ uploaded: [], skipped: [] });
  });

  test('a live fill lease blocks another fill; once expired it is taken over', async () => {
    const ref = await freshCache({ prefix: '/leases' });
    const leaseKey = fillLeaseKey(revisionKeyBase(ref.loc, MODEL, SHA));
    // Left by a fill that crashed 10 s ago with a 60 s lease.
    const t0 = Date.now();
    await ref.store.put(
      leaseKey,
      JSON.stringify({ owner: 'crashed-fill', expires_at: new Date(t0 + 50_000).toISOString() }),
    );
    const blocked = await fillCache(ref, source(), { ...opts, leaseS: 60 }).catch(
      (e: unknown) => e,
    );
    expect(blocked).toMatchObject({ code: 'CONFLICT', retryable: true });
    expect((blocked as AppError).retryAfterS).toBeGreaterThan(40);
    expect((blocked as AppError).retryAfterS).toBeLessThanOrEqual(50);
    expect(await checkCache(ref)).toEqual({ hit: false, reason: 'no-manifest' });
    expect(await ref.store.getText(leaseKey)).toContain('crashed-fill');

    // A minute later the lease has expired: the next attempt takes it over and fills.
    const later = () => new Date(t0 + 60_000);
    const report = await fillCache(ref, source(), { ...opts, leaseS: 60, now: later });
    expect(report.wroteManifest).toBe(true);
    expect((await checkCache(ref)).hit).toBe(true);
    expect(await ref.store.head(leaseKey)).toBeNull();
  });

  test('a fill whose lease was taken over stops before committing a manifest', async () => {
    const ref = await freshCache();
    const leaseKey = fillLeaseKey(revisionKeyBase(ref.loc, MODEL, SHA));
    const taken = JSON.stringify({
      owner: 'newer-fill',
      expires_at: new Date(Date.now() + 600_000).toISOString(),
    });
    // Our lease "expires" during the first copy and another fill takes it over.
    const hub = source();
    let opened = 0;
    const slow: ModelFileSource = {
      list: (m, sha) => hub.list(m, sha),
      open: async (m, sha, path) => {
        if (++opened === 1) await ref.store.put(leaseKey, taken);
        return hub.open(m, sha, path);
      },
    };
    const err = await fillCache(ref, slow, opts).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFLICT', retryable: true });
    expect(await checkCache(ref)).toEqual({ hit: false, reason: 'no-manifest' });
    expect(await ref.store.getText(leaseKey)).toBe(taken); // the newer fill's lease is untouched
  });

  test('the manifest write is conditional (If-None-Match): a second writer is refused', async () => {
    const bucket = await freshBucket(s3);
    const store = storeFor(s3, bucket);
    expect(await store.putIfAbsent('m.json', '{"a":1}')).toBe(true);
    expect(await store.putIfAbsent('m.json', '{"a":2}')).toBe(false);
    expect(await store.getText('m.json')).toBe('{"a":1}');
  });

  test('presigned URLs carry the load-window expiry and are signed for GET only', async () => {
    const bucket = await freshBucket(s3);
    const store = storeFor(s3, bucket);
    await store.put('x/file', 'hello', 'text/plain');
    const url = new URL(await store.presignGet('x/file', 900));
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Credential')).toContain(s3.accessKeyId);
    expect(url.toString()).not.toContain(s3.secretAccessKey);
    expect(await (await fetch(url)).text()).toBe('hello');
    // A PUT through a GET URL is refused by signature (it signs the method).
    // moto does not enforce X-Amz-Expires; cache-expiry.e2e.test.ts shows the URLs expiring on
    // s3rver, which does.
  });

  test('a gated model cannot be read from the Hub without a token that has access', async () => {
    await expect(
      hubFileSource({ hubUrl: hub.url, token: null }).open(GATED, GATED_SHA, 'model_index.json'),
    ).rejects.toMatchObject({
      code: 'MODEL_GATED',
    });
  });
});

describe('wrong credentials (moto with IAM auth on)', () => {
  let authed: S3Server;
  beforeAll(async () => {
    authed = await startS3Server({ auth: true });
  });
  afterAll(async () => {
    await authed.stop();
  });

  test('a wrong secret is CACHE_ACCESS_DENIED with a clear message and no secret in it', async () => {
    const bucket = await freshBucket(authed);
    const good = storeFor(authed, bucket);
    await good.put('ok', 'x', 'text/plain');
    expect(await good.head('ok')).toMatchObject({ size: 1 });

    const bad = storeFor(authed, bucket, 'definitely-wrong-secret');
    const err = await bad.head('ok').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'CACHE_ACCESS_DENIED' });
    expect((err as Error).message).toContain(bucket);
    expect((err as Error).message).not.toContain('definitely-wrong-secret');
    const ref = { store: bad, loc: parseS3Url(`s3://${bucket}`), modelId: MODEL, revisionSha: SHA };
    await expect(checkCache(ref)).rejects.toMatchObject({ code: 'CACHE_ACCESS_DENIED' });
  });
});
