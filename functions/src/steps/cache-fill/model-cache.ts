import { createHash, randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { crc32 } from 'node:zlib';
import {
  AppError,
  CACHE_PART_BYTES,
  CacheManifestFileSchema,
  decideCacheHit,
  fillLeaseKey,
  fillLeaseState,
  manifestKey,
  objectKey,
  revisionKeyBase,
  selectWorkerFiles,
  workerManifestKey,
  type CacheHitDecision,
  type CacheManifest,
  type CacheManifestFile,
  type S3Location,
  type WeightVariant,
} from '@visgate/shared';
import type { ModelFileSource, ObjectStore, SourceFile } from '../../ports';

export interface CacheRef {
  store: ObjectStore;
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
  /** Seconds a fill lease lasts past its last renewal (CACHE_FILL_LEASE_S). */
  leaseS?: number;
  /** Lease owner id; default a fresh UUID per fill attempt. */
  owner?: string;
  /**
   * The weights variant the worker prefers (its compute dtype on a GPU: `preferredVariant`);
   * only the variant it will load is copied. Default fp16, the worker's dtype for most families.
   */
  preferredVariant?: WeightVariant | null;
  /** Bytes per part digest in the manifest (`part_size`); default CACHE_PART_BYTES. */
  partBytes?: number;
}

export const DEFAULT_FILL_LEASE_S = 900;

/**
 * The fill's hold on `<base>/.visgate-fill-lease`: one fill per model@sha and bucket at a time.
 * Taken with `If-None-Match: *` (or, once expired, `If-Match` on the ETag read), renewed with
 * `If-Match` on its own ETag between files, deleted (`If-Match`) at the end. A live lease held by
 * another fill, or a lost race for it, is a retryable CONFLICT: the task comes back later.
 */
class FillLeaseHold {
  private constructor(
    private readonly r: CacheRef,
    private readonly key: string,
    private readonly owner: string,
    private readonly leaseS: number,
    private readonly now: () => Date,
    private etag: string,
  ) {}

  private static body(owner: string, leaseS: number, now: () => Date): string {
    return JSON.stringify({
      owner,
      expires_at: new Date(now().getTime() + leaseS * 1000).toISOString(),
    });
  }

  private static busy(r: CacheRef, until: string | null, leaseS: number, now: Date): AppError {
    const waitS = until ? Math.ceil((Date.parse(until) - now.getTime()) / 1000) : leaseS;
    return new AppError(
      'CONFLICT',
      `another fill of ${r.modelId}@${r.revisionSha} holds the cache lease` +
        (until ? ` until ${until}` : ''),
      { retryable: true, retryAfterS: Math.max(1, waitS) },
    );
  }

  static async acquire(
    r: CacheRef,
    base: string,
    owner: string,
    leaseS: number,
    now: () => Date,
  ): Promise<FillLeaseHold> {
    const key = fillLeaseKey(base);
    const cur = await r.store.getWithEtag(key);
    const t = now();
    const st = fillLeaseState(cur?.text ?? null, t);
    if (st.state === 'live') throw FillLeaseHold.busy(r, st.lease.expires_at, leaseS, t);
    const etag = await r.store.putConditional(
      key,
      FillLeaseHold.body(owner, leaseS, now),
      cur ? { ifMatch: cur.etag } : { ifNoneMatch: '*' },
    );
    if (etag === null) throw FillLeaseHold.busy(r, null, leaseS, t);
    return new FillLeaseHold(r, key, owner, leaseS, now, etag);
  }

  /** Extends the lease; a CONFLICT when another fill took it over (ours had expired). */
  async renew(): Promise<void> {
    const etag = await this.r.store.putConditional(
      this.key,
      FillLeaseHold.body(this.owner, this.leaseS, this.now),
      { ifMatch: this.etag },
    );
    if (etag === null) throw FillLeaseHold.busy(this.r, null, this.leaseS, this.now());
    this.etag = etag;
  }

  /**
   * Deletes the lease if it is still ours. Best effort: a lease left behind only delays the next
   * fill until it expires. A store that refuses conditional deletes gets a plain one, after
   * checking that the lease still names this fill.
   */
  async release(): Promise<void> {
    try {
      await this.r.store.deleteIfMatch(this.key, this.etag);
    } catch {
      const cur = await this.r.store.getText(this.key).catch(() => null);
      const st = fillLeaseState(cur, this.now());
      if (st.state === 'live' && st.lease.owner === this.owner) {
        await this.r.store.delete(this.key).catch(() => undefined);
      }
    }
  }
}

/**
 * Sidecar holding a file's verified digests, written after its object: the resume marker. JSON
 * `{sha256, part_size, part_sha256, part_crc32}` (`part_crc32` absent from sidecars written before
 * it: their file is listed without it and the worker reads it with sha256); a sidecar from before part digests holds the bare sha256 hex
 * (its file is listed with the whole-file digest only).
 */
const digestKey = (b: string, path: string): string => `${b}/.visgate-sha256/${path}`;

type FileDigests = Pick<CacheManifestFile, 'sha256' | 'part_size' | 'part_sha256' | 'part_crc32'>;

/** The digests a sidecar records for a file of `size` bytes, or null when it records none. */
function readSidecar(text: string | null, path: string, size: number): FileDigests | null {
  if (text === null) return null;
  if (/^[0-9a-f]{64}$/.test(text)) return { sha256: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const f = CacheManifestFileSchema.safeParse({ ...(parsed as object), path, size });
  if (!f.success) return null;
  const { sha256, part_size, part_sha256, part_crc32 } = f.data;
  return part_crc32 === undefined
    ? { sha256, part_size, part_sha256 }
    : { sha256, part_size, part_sha256, part_crc32 };
}

export interface FillReport {
  uploaded: string[];
  skipped: string[];
  bytesUploaded: number;
  /** false when another fill wrote the manifest first (its content is equivalent). */
  wroteManifest: boolean;
}

/**
 * A pass-through that computes the file's sha256 and, per `partBytes` part (the last part may be
 * shorter), one sha256 and one CRC-32 from the same bytes, and fails on a wrong size or digest.
 */
export function hashing(
  expected: string | null,
  expectedSize: number,
  path: string,
  partBytes: number,
): {
  t: Transform;
  result: () => FileDigests;
} {
  const h = createHash('sha256');
  let part = createHash('sha256');
  let partCrc = 0;
  let inPart = 0;
  const parts: string[] = [];
  const crcs: string[] = [];
  const crcHex = (c: number): string => c.toString(16).padStart(8, '0');
  let n = 0;
  let digest = '';
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      n += chunk.length;
      for (let off = 0; off < chunk.length;) {
        const take = Math.min(partBytes - inPart, chunk.length - off);
        const piece = chunk.subarray(off, off + take);
        part.update(piece);
        partCrc = crc32(piece, partCrc);
        inPart += take;
        off += take;
        if (inPart === partBytes) {
          parts.push(part.digest('hex'));
          crcs.push(crcHex(partCrc));
          part = createHash('sha256');
          partCrc = 0;
          inPart = 0;
        }
      }
      cb(null, chunk);
    },
    flush(cb) {
      digest = h.digest('hex');
      if (inPart > 0) {
        parts.push(part.digest('hex'));
        crcs.push(crcHex(partCrc));
      }
      if (n !== expectedSize) {
        cb(
          new AppError('UPSTREAM_UNAVAILABLE', `${path}: got ${n} bytes, expected ${expectedSize}`),
        );
      } else if (expected !== null && digest !== expected) {
        cb(new AppError('UPSTREAM_UNAVAILABLE', `${path}: sha256 mismatch`));
      } else cb();
    },
  });
  return {
    t,
    result: () => ({
      sha256: digest,
      part_size: partBytes,
      part_sha256: parts,
      part_crc32: crcs,
    }),
  };
}

/**
 * Copies the files of the pinned revision the worker loads (`selectWorkerFiles`: configs,
 * tokenizers and the safetensors of one weights variant) into the bucket, then writes the
 * manifest last.
 * Resumable: a file already present with the right size and recorded sha256 is skipped.
 * Every file streams through (multipart, bounded memory) while its sha256, and one sha256 per
 * `partBytes` part, are computed; LFS files are also checked against their oid. A verified file
 * gets a digest sidecar (the resume marker).
 * One fill per model@sha and bucket runs at a time (the fill lease, renewed before each copy and
 * before the manifest; another fill gets a retryable CONFLICT), and the manifest is written with
 * If-None-Match so even a fill that lost its lease cannot overwrite a committed one.
 */
export async function fillCache(
  r: CacheRef,
  source: ModelFileSource,
  opts: FillOptions = {},
): Promise<FillReport> {
  const verifyOid = opts.verifyLfsOid ?? true;
  const now = opts.now ?? (() => new Date());
  const b = base(r);
  const nothing = (): FillReport => ({
    uploaded: [],
    skipped: [],
    bytesUploaded: 0,
    wroteManifest: false,
  });
  if ((await checkCache(r)).hit) return nothing();
  const lease = await FillLeaseHold.acquire(
    r,
    b,
    opts.owner ?? randomUUID(),
    opts.leaseS ?? DEFAULT_FILL_LEASE_S,
    now,
  );
  try {
    // A fill that finished between our check and our lease leaves a hit: nothing to do.
    if ((await checkCache(r)).hit) return nothing();
    return await fillUnderLease(r, b, source, lease, { ...opts, verifyLfsOid: verifyOid, now });
  } finally {
    await lease.release();
  }
}

async function fillUnderLease(
  r: CacheRef,
  b: string,
  source: ModelFileSource,
  lease: FillLeaseHold,
  opts: FillOptions & { verifyLfsOid: boolean; now: () => Date },
): Promise<FillReport> {
  const { verifyLfsOid: verifyOid, now, onFile } = opts;
  const listed = await source.list(r.modelId, r.revisionSha);
  const wanted = new Set(
    selectWorkerFiles(
      listed.map((f) => f.path),
      opts.preferredVariant === undefined ? 'fp16' : opts.preferredVariant,
    ),
  );
  const files = listed.filter((f) => wanted.has(f.path));
  if (files.length === 0) {
    throw new AppError('MODEL_UNSUPPORTED', `${r.modelId} has no files a worker can load`);
  }
  const report: FillReport = { uploaded: [], skipped: [], bytesUploaded: 0, wroteManifest: false };
  const manifestFiles: CacheManifest['files'] = [];
  for (const f of files) {
    const key = objectKey(b, f.path);
    const have = await r.store.head(key);
    const done =
      have && have.size === f.size
        ? readSidecar(await r.store.getText(digestKey(b, f.path)), f.path, f.size)
        : null;
    if (done && (!verifyOid || f.sha256 === null || done.sha256 === f.sha256)) {
      report.skipped.push(f.path);
      manifestFiles.push({ path: f.path, size: f.size, ...done });
      continue;
    }
    await lease.renew(); // a full lease period for each copy
    const digests = await uploadOne(r.store, key, r.modelId, r.revisionSha, f, source, {
      verifyOid,
      partBytes: opts.partBytes ?? CACHE_PART_BYTES,
    });
    await r.store.put(digestKey(b, f.path), JSON.stringify(digests), 'application/json');
    report.uploaded.push(f.path);
    report.bytesUploaded += f.size;
    manifestFiles.push({ path: f.path, size: f.size, ...digests });
    onFile?.(f.path);
  }
  await lease.renew(); // still ours: no other fill took over while the last file copied
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
  store: ObjectStore,
  key: string,
  modelId: string,
  sha: string,
  f: SourceFile,
  source: ModelFileSource,
  { verifyOid, partBytes }: { verifyOid: boolean; partBytes: number },
): Promise<FileDigests> {
  const stream = await source.open(modelId, sha, f.path);
  const { t, result } = hashing(verifyOid ? f.sha256 : null, f.size, f.path, partBytes);
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
  files: {
    path: string;
    size: number;
    sha256: string;
    part_size?: number;
    part_sha256?: string[];
    part_crc32?: string[];
    url: string;
  }[];
}

/**
 * The worker's view of a hit: every file with its digests (per part, and per-part CRC-32s, where
 * the manifest has them) and a presigned GET URL expiring after `ttlS`.
 */
export async function presignManifest(
  r: CacheRef,
  manifest: CacheManifest,
  ttlS: number,
): Promise<WorkerManifest> {
  const b = base(r);
  const files = await Promise.all(
    manifest.files.map(async (f) => ({
      path: f.path,
      size: f.size,
      sha256: f.sha256,
      ...(f.part_size === undefined ? {} : { part_size: f.part_size, part_sha256: f.part_sha256 }),
      ...(f.part_crc32 === undefined ? {} : { part_crc32: f.part_crc32 }),
      url: await r.store.presignGet(objectKey(b, f.path), ttlS),
    })),
  );
  return { files };
}

/**
 * The presigned worker manifest stored as a per-deployment object whose own presigned URL is the
 * `manifest_url` of the worker's `s3` source. The worker gets no credentials, only URLs that
 * expire after `ttlS`.
 */
export async function publishWorkerManifest(
  r: CacheRef,
  manifest: CacheManifest,
  deploymentId: string,
  ttlS: number,
): Promise<{ manifestUrl: string; manifestKey: string }> {
  const key = workerManifestKey(base(r), deploymentId);
  await r.store.put(key, JSON.stringify(await presignManifest(r, manifest, ttlS)));
  return { manifestUrl: await r.store.presignGet(key, ttlS), manifestKey: key };
}
