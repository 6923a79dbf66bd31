import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import {
  AppError,
  decideCacheHit,
  isWorkerFile,
  manifestKey,
  objectKey,
  revisionKeyBase,
  type CacheHitDecision,
  type CacheManifest,
  type S3Location,
} from '@visgate/shared';
import type { ModelFileSource, SourceFile } from './hub-files';
import type { S3Store } from './s3-store';

export interface CacheRef {
  store: S3Store;
  loc: S3Location;
  modelId: string;
  revisionSha: string;
}

const base = (r: CacheRef): string => revisionKeyBase(r.loc, r.modelId, r.revisionSha);

/** Hit = manifest present and every listed object present with the listed size. */
export async function checkCache(r: CacheRef): Promise<CacheHitDecision> {
  const b = base(r);
  const text = await r.store.getText(manifestKey(b));
  if (text === null) return decideCacheHit(null, new Map());
  return decideCacheHit(text, await r.store.list(b));
}

export interface FillOptions {
  now?: () => Date;
  /** Called after each uploaded file (tests use it to interrupt a fill). */
  onFile?: (path: string) => void;
  /**
   * Verify each LFS file against its oid (the Hub's sha256). Default true; the HF simulator's
   * oids are stand-ins, so tests against it turn this off and rely on the computed digest.
   */
  verifyLfsOid?: boolean;
}

/** Sidecar holding a file's verified sha256, written after its object: the resume marker. */
const digestKey = (b: string, path: string): string => `${b}/.visgate-sha256/${path}`;

export interface FillReport {
  uploaded: string[];
  skipped: string[];
  bytesUploaded: number;
  /** false when another fill wrote the manifest first (its content is equivalent). */
  wroteManifest: boolean;
}

function hashing(
  expected: string | null,
  expectedSize: number,
  path: string,
): {
  t: Transform;
  result: () => string;
} {
  const h = createHash('sha256');
  let n = 0;
  let digest = '';
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      n += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      digest = h.digest('hex');
      if (n !== expectedSize) {
        cb(
          new AppError('UPSTREAM_UNAVAILABLE', `${path}: got ${n} bytes, expected ${expectedSize}`),
        );
      } else if (expected !== null && digest !== expected) {
        cb(new AppError('UPSTREAM_UNAVAILABLE', `${path}: sha256 mismatch`));
      } else cb();
    },
  });
  return { t, result: () => digest };
}

/**
 * Copies every file of the pinned revision into the bucket, then writes the manifest last.
 * Resumable: a file already present with the right size and recorded sha256 is skipped.
 * Every file streams through (multipart, bounded memory) while its sha256 is computed; LFS files
 * are also checked against their oid. A verified file gets a digest sidecar (the resume marker). Concurrent fills write identical
 * objects, and the manifest is written with If-None-Match so only one commits it.
 */
export async function fillCache(
  r: CacheRef,
  source: ModelFileSource,
  opts: FillOptions = {},
): Promise<FillReport> {
  const verifyOid = opts.verifyLfsOid ?? true;
  const now = opts.now ?? (() => new Date());
  const b = base(r);
  const existing = await checkCache(r);
  if (existing.hit) return { uploaded: [], skipped: [], bytesUploaded: 0, wroteManifest: false };
  const files = (await source.list(r.modelId, r.revisionSha)).filter((f) => isWorkerFile(f.path));
  if (files.length === 0) {
    throw new AppError('MODEL_UNSUPPORTED', `${r.modelId} has no files a worker can load`);
  }
  const report: FillReport = { uploaded: [], skipped: [], bytesUploaded: 0, wroteManifest: false };
  const manifestFiles: CacheManifest['files'] = [];
  for (const f of files) {
    const key = objectKey(b, f.path);
    const have = await r.store.head(key);
    const done = have && have.size === f.size ? await r.store.getText(digestKey(b, f.path)) : null;
    if (
      done &&
      /^[0-9a-f]{64}$/.test(done) &&
      (!verifyOid || f.sha256 === null || done === f.sha256)
    ) {
      report.skipped.push(f.path);
      manifestFiles.push({ path: f.path, size: f.size, sha256: done });
      continue;
    }
    const sha256 = await uploadOne(r.store, key, r.modelId, r.revisionSha, f, source, verifyOid);
    await r.store.put(digestKey(b, f.path), sha256, 'text/plain');
    report.uploaded.push(f.path);
    report.bytesUploaded += f.size;
    manifestFiles.push({ path: f.path, size: f.size, sha256 });
    opts.onFile?.(f.path);
  }
  const manifest: CacheManifest = {
    version: 1,
    model_id: r.modelId,
    revision_sha: r.revisionSha,
    created_at: now().toISOString(),
    files: manifestFiles,
  };
  report.wroteManifest = await r.store.putIfAbsent(manifestKey(b), JSON.stringify(manifest));
  return report;
}

async function uploadOne(
  store: S3Store,
  key: string,
  modelId: string,
  sha: string,
  f: SourceFile,
  source: ModelFileSource,
  verifyOid: boolean,
): Promise<string> {
  const stream = await source.open(modelId, sha, f.path);
  const { t, result } = hashing(verifyOid ? f.sha256 : null, f.size, f.path);
  stream.on('error', (e) => t.destroy(e));
  try {
    await store.putStream(key, stream.pipe(t), { sha256: verifyOid ? (f.sha256 ?? '') : '' });
  } catch (e) {
    await store.delete(key).catch(() => undefined);
    throw e;
  }
  return result();
}

export interface WorkerManifest {
  files: { path: string; size: number; sha256: string; url: string }[];
}

/**
 * The worker's view of a hit: every file with a presigned GET URL, stored as a per-deployment
 * object whose own presigned URL is the `manifest_url` of the worker's `s3` source. The worker
 * gets no credentials, only URLs that expire after `ttlS`.
 */
export async function publishWorkerManifest(
  r: CacheRef,
  manifest: CacheManifest,
  deploymentId: string,
  ttlS: number,
): Promise<{ manifestUrl: string; manifestKey: string }> {
  const b = base(r);
  const files = await Promise.all(
    manifest.files.map(async (f) => ({
      path: f.path,
      size: f.size,
      sha256: f.sha256,
      url: await r.store.presignGet(objectKey(b, f.path), ttlS),
    })),
  );
  const key = `${b}/.deployments/${deploymentId}.json`;
  await r.store.put(key, JSON.stringify({ files } satisfies WorkerManifest));
  return { manifestUrl: await r.store.presignGet(key, ttlS), manifestKey: key };
}
