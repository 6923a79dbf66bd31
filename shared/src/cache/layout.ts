import { z } from 'zod';

/**
 * Model cache layout (issue 5): every file of a pinned revision lives at
 * `<prefix>/<org>/<model>/<revision sha>/<path>` and `manifest.json` beside them is written last.
 * A cache hit means the manifest exists and every file it lists is present with the listed size;
 * a partial upload (no manifest, or a missing/short object) is never a hit.
 */

export const MANIFEST_NAME = '.visgate-manifest.json';

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slashes; '' for the bucket root. */
  prefix: string;
}

/** `s3://bucket[/prefix]` → bucket and normalised prefix. Throws on anything else. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/.exec(url);
  if (!m) throw new Error('the cache URL must look like s3://bucket[/prefix]');
  const prefix = (m[2] ?? '')
    .split('/')
    .filter((s) => s.length > 0)
    .join('/');
  if (prefix.split('/').some((s) => s === '.' || s === '..')) {
    throw new Error('the cache URL prefix must not contain . or .. segments');
  }
  return { bucket: m[1] ?? '', prefix };
}

/** Key folder of one model revision: `<prefix>/<org>/<model>/<sha>`. */
export function revisionKeyBase(loc: S3Location, modelId: string, revisionSha: string): string {
  if (!/^[0-9a-f]{40}$/.test(revisionSha)) throw new Error('the revision must be a 40-hex sha');
  if (!/^[\w.-]+\/[\w.-]+$/.test(modelId)) throw new Error('the model id must be org/name');
  return [loc.prefix, modelId, revisionSha].filter((s) => s.length > 0).join('/');
}

/** A relative repo path that stays inside the model folder. */
export function isSafeRepoPath(path: string): boolean {
  if (path.length === 0 || path.startsWith('/') || path.includes('\\')) return false;
  return path.split('/').every((s) => s.length > 0 && s !== '.' && s !== '..');
}

export function objectKey(base: string, path: string): string {
  if (!isSafeRepoPath(path)) throw new Error(`unsafe repo path: ${path}`);
  return `${base}/${path}`;
}

export function manifestKey(base: string): string {
  return `${base}/${MANIFEST_NAME}`;
}

/** A deployment's presigned worker manifest: written at provision on a hit, deleted at teardown. */
export function workerManifestKey(base: string, deploymentId: string): string {
  if (!/^[\w-]+$/.test(deploymentId)) throw new Error('the deployment id must be [A-Za-z0-9_-]');
  return `${base}/.deployments/${deploymentId}.json`;
}

/**
 * Lease of a running fill, beside the manifest: `{owner, expires_at}`, created with
 * `If-None-Match: *`, renewed and taken over with `If-Match` on its ETag, deleted at the end.
 */
export const FILL_LEASE_NAME = '.visgate-fill-lease';

export function fillLeaseKey(base: string): string {
  return `${base}/${FILL_LEASE_NAME}`;
}

export const FillLeaseSchema = z
  .object({ owner: z.string().min(1), expires_at: z.iso.datetime() })
  .strict();
export type FillLease = z.infer<typeof FillLeaseSchema>;

export type FillLeaseState =
  | { state: 'absent' }
  | { state: 'live'; lease: FillLease }
  /** Past its expiry, or unreadable (a torn or foreign write): may be taken over. */
  | { state: 'expired' };

/** State of the fill lease from its text (null when absent) at `now`. */
export function fillLeaseState(text: string | null, now: Date): FillLeaseState {
  if (text === null) return { state: 'absent' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { state: 'expired' };
  }
  const l = FillLeaseSchema.safeParse(parsed);
  if (!l.success || Date.parse(l.data.expires_at) <= now.getTime()) return { state: 'expired' };
  return { state: 'live', lease: l.data };
}

/**
 * Size of the parts a file's `part_sha256` digests cover: part `i` is bytes
 * `[i * part_size, min((i + 1) * part_size, size))`. The worker fetches one ranged GET per part and
 * checks each as it arrives, so this is also its range size (32 MiB, its CHUNK_BYTES).
 */
export const CACHE_PART_BYTES = 32 * 1024 * 1024;

/** How many parts of `partSize` bytes a file of `size` bytes has (0 for an empty file). */
export function partCount(size: number, partSize: number): number {
  return Math.ceil(size / partSize);
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A CRC-32 (zlib's, ISO-HDLC: node's `zlib.crc32`, Python's `zlib.crc32`) as 8 lowercase hex digits. */
const CRC32_HEX = /^[0-9a-f]{8}$/;

/**
 * One cached file. `sha256` is the whole file's digest (always present: a manifest without part
 * digests, written before they existed, is verified through it). `part_size` and `part_sha256`
 * come together or not at all: one sha256 per part, so a reader verifies every range on arrival,
 * in any order, with no second pass over the file.
 *
 * `part_crc32` (optional, only beside `part_size`): one CRC-32 per part of the same bytes. The fill
 * verified each file against the Hub's sha256 (its LFS oid) once; the worker then checks every part
 * it reads against this cheap checksum (a few times faster than sha256 on a small CPU) to catch
 * corruption and truncation between bucket and disk, and keeps `part_sha256` for
 * `VISGATE_CACHE_VERIFY=sha256`. A manifest without it (older fills) is read with sha256.
 */
export const CacheManifestFileSchema = z
  .object({
    path: z.string().refine(isSafeRepoPath, 'unsafe path'),
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(SHA256_HEX),
    part_size: z.number().int().positive().optional(),
    part_sha256: z.array(z.string().regex(SHA256_HEX)).optional(),
    part_crc32: z.array(z.string().regex(CRC32_HEX)).optional(),
  })
  .strict()
  .refine(
    (f) =>
      f.part_size === undefined
        ? f.part_sha256 === undefined
        : f.part_sha256?.length === partCount(f.size, f.part_size),
    'part_size and part_sha256 come together, one digest per part',
  )
  .refine(
    (f) =>
      f.part_crc32 === undefined ||
      (f.part_size !== undefined && f.part_crc32.length === partCount(f.size, f.part_size)),
    'part_crc32 needs part_size, one CRC-32 per part',
  );

export const CacheManifestSchema = z
  .object({
    version: z.literal(1),
    model_id: z.string(),
    revision_sha: z.string().regex(/^[0-9a-f]{40}$/),
    created_at: z.string(),
    files: z.array(CacheManifestFileSchema).min(1),
  })
  .strict();
export type CacheManifest = z.infer<typeof CacheManifestSchema>;
export type CacheManifestFile = z.infer<typeof CacheManifestFileSchema>;

/**
 * Files a worker can load from a diffusers repo (the union of the worker's `hub_patterns` for every
 * variant): `model_index.json` and the configs, tokenizers and safetensors weights inside component
 * folders. Root single-file checkpoints, README/.gitattributes and .bin/.ckpt/.msgpack/.onnx
 * duplicates are never cached.
 */
export function isWorkerFile(path: string): boolean {
  if (path === 'model_index.json') return true;
  if (!path.includes('/')) return false;
  if (/\.(bin|ckpt|msgpack)$/.test(path) || /\.onnx/.test(path)) return false;
  return /\.(json|txt|model|safetensors)$/.test(path);
}

export type WeightVariant = 'fp16' | 'bf16';

/** A component's safetensors weights (`<dir>/<stem>[.<variant>][-NNNNN-of-NNNNN].safetensors`). */
const WEIGHT =
  /^(?<dir>[^/]+)\/[^/]+?(?:\.(?<variant>fp16|bf16))?(?:-\d{5}-of-\d{5})?\.safetensors$/;

/**
 * The weights variant the worker loads (mirror of `choose_variant` in
 * worker/src/visgate_worker/model_source.py): `preferred` when every component has it, else plain
 * weights, else a variant every component has, else plain.
 */
export function chooseVariant(
  paths: readonly string[],
  preferred: WeightVariant | null,
): WeightVariant | null {
  const byKind = new Map<WeightVariant | null, Set<string>>();
  for (const p of paths) {
    const g = WEIGHT.exec(p)?.groups;
    if (!g?.dir) continue;
    const kind = (g.variant ?? null) as WeightVariant | null;
    const dirs = byKind.get(kind) ?? new Set<string>();
    dirs.add(g.dir);
    byKind.set(kind, dirs);
  }
  const components = new Set([...byKind.values()].flatMap((d) => [...d]));
  if (components.size === 0) return null;
  const covers = (kind: WeightVariant | null): boolean =>
    [...components].every((c) => byKind.get(kind)?.has(c) === true);
  if (preferred !== null && covers(preferred)) return preferred;
  if (covers(null)) return null;
  return (['fp16', 'bf16'] as const).find(covers) ?? null;
}

/** The worker's preferred variant on a GPU: its compute dtype (`FAMILY_DEFAULTS[f].computeDtype`). */
export function preferredVariant(computeDtype: 'F16' | 'BF16'): WeightVariant {
  return computeDtype === 'BF16' ? 'bf16' : 'fp16';
}

/**
 * The files of a revision that the fill copies: the worker files (`isWorkerFile`) with only the
 * safetensors of the variant the worker loads, exactly what the worker's `hub_patterns` would
 * download from the Hub for the same preference (shared/src/cache/worker-files.vectors.json holds
 * the cases both sides are tested against). SDXL-style repos with fp32 and fp16 copies side by side
 * are cached once, in the variant used.
 */
export function selectWorkerFiles(
  paths: readonly string[],
  preferred: WeightVariant | null,
): string[] {
  const candidates = paths.filter(isWorkerFile);
  const variant = chooseVariant(paths, preferred);
  const variantWeights = {
    fp16: /\.fp16[^/]*\.safetensors$/,
    bf16: /\.bf16[^/]*\.safetensors$/,
  };
  return candidates.filter((p) =>
    variant === null
      ? !variantWeights.fp16.test(p) &&
        !variantWeights.bf16.test(p) &&
        !p.endsWith('.safetensors.index.fp16.json')
      : !p.endsWith('.safetensors') || variantWeights[variant].test(p),
  );
}

export type CacheHitDecision =
  | { hit: true; manifest: CacheManifest }
  | {
      hit: false;
      reason: 'no-manifest' | 'bad-manifest' | 'missing-object' | 'wrong-size';
      path?: string;
    };

/**
 * Hit decision from the manifest text (null when absent) and the sizes of the objects found under
 * the revision folder (relative path → size).
 */
export function decideCacheHit(
  manifestText: string | null,
  objects: ReadonlyMap<string, number>,
): CacheHitDecision {
  if (manifestText === null) return { hit: false, reason: 'no-manifest' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestText);
  } catch {
    return { hit: false, reason: 'bad-manifest' };
  }
  const m = CacheManifestSchema.safeParse(parsed);
  if (!m.success) return { hit: false, reason: 'bad-manifest' };
  for (const f of m.data.files) {
    const size = objects.get(f.path);
    if (size === undefined) return { hit: false, reason: 'missing-object', path: f.path };
    if (size !== f.size) return { hit: false, reason: 'wrong-size', path: f.path };
  }
  return { hit: true, manifest: m.data };
}

export interface SharedCachePolicy {
  /** Model ids (exact, case-insensitive) or `org/*` wildcards; empty = nothing allowlisted. */
  allowedModels: readonly string[];
  /** true: a shared-scope request for an unlisted model is rejected; false: it falls back to the Hub. */
  rejectUnlisted: boolean;
}

export function isAllowlisted(modelId: string, allowed: readonly string[]): boolean {
  const id = modelId.toLowerCase();
  return allowed.some((a) => {
    const p = a.trim().toLowerCase();
    return p.endsWith('/*') ? id.startsWith(p.slice(0, -1)) : p === id;
  });
}

export type SharedCacheVerdict =
  { use: true } | { use: false; reject: boolean; reason: 'unlisted' | 'gated-without-access' };

/**
 * Whether a shared-scope deployment may use the platform bucket. Gated or private models are served
 * only when the user's own HF token passed the Hub's access check (`hubAccessVerified`).
 */
export function sharedCacheVerdict(
  modelId: string,
  model: { gated: false | 'auto' | 'manual'; private: boolean },
  hubAccessVerified: boolean,
  policy: SharedCachePolicy,
): SharedCacheVerdict {
  if (!isAllowlisted(modelId, policy.allowedModels)) {
    return { use: false, reject: policy.rejectUnlisted, reason: 'unlisted' };
  }
  if ((model.gated !== false || model.private) && !hubAccessVerified) {
    return { use: false, reject: true, reason: 'gated-without-access' };
  }
  return { use: true };
}
