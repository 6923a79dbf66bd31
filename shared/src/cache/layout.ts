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

export const CacheManifestFileSchema = z
  .object({
    path: z.string().refine(isSafeRepoPath, 'unsafe path'),
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

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
