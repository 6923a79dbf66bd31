import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CacheManifestFileSchema,
  chooseVariant,
  decideCacheHit,
  fillLeaseKey,
  fillLeaseState,
  isAllowlisted,
  isWorkerFile,
  manifestKey,
  objectKey,
  parseS3Url,
  preferredVariant,
  revisionKeyBase,
  selectWorkerFiles,
  sharedCacheVerdict,
  type WeightVariant,
} from './layout';
import workerFiles from './worker-files.vectors.json';

const SHA = 'a'.repeat(40);
const manifest = (files: { path: string; size: number }[]): string =>
  JSON.stringify({
    version: 1,
    model_id: 'org/model',
    revision_sha: SHA,
    created_at: '2026-01-01T00:00:00.000Z',
    files: files.map((f) => ({ ...f, sha256: 'b'.repeat(64) })),
  });

describe('cache layout', () => {
  test('keys are <prefix>/<org>/<model>/<sha>/<path>, manifest beside them', () => {
    const loc = parseS3Url('s3://my-bucket/some//prefix/');
    expect(loc).toEqual({ bucket: 'my-bucket', prefix: 'some/prefix' });
    const base = revisionKeyBase(loc, 'org/model', SHA);
    expect(base).toBe(`some/prefix/org/model/${SHA}`);
    expect(objectKey(base, 'unet/x.safetensors')).toBe(`${base}/unet/x.safetensors`);
    expect(manifestKey(base)).toBe(`${base}/.visgate-manifest.json`);
    expect(revisionKeyBase(parseS3Url('s3://my-bucket'), 'org/model', SHA)).toBe(
      `org/model/${SHA}`,
    );
  });

  test('rejects unsafe URLs, revisions and paths', () => {
    expect(() => parseS3Url('https://x/y')).toThrow();
    expect(() => parseS3Url('s3://bucket/../etc')).toThrow();
    expect(() => revisionKeyBase(parseS3Url('s3://bucket'), 'org/model', 'main')).toThrow();
    expect(() => objectKey('b', '../x')).toThrow();
    expect(() => objectKey('b', '/abs')).toThrow();
  });
});

test('only the files a worker loads are cached', () => {
  expect(isWorkerFile('model_index.json')).toBe(true);
  expect(isWorkerFile('unet/diffusion_pytorch_model.fp16.safetensors')).toBe(true);
  expect(isWorkerFile('tokenizer/vocab.json')).toBe(true);
  expect(isWorkerFile('tokenizer_2/spiece.model')).toBe(true);
  expect(isWorkerFile('tokenizer/merges.txt')).toBe(true);
  expect(isWorkerFile('sd_xl_base_1.0.safetensors')).toBe(false);
  expect(isWorkerFile('README.md')).toBe(false);
  expect(isWorkerFile('.gitattributes')).toBe(false);
  expect(isWorkerFile('unet/diffusion_pytorch_model.bin')).toBe(false);
  expect(isWorkerFile('text_encoder/model.onnx_data')).toBe(false);
});

describe('the weights variant the fill copies', () => {
  const vectors = workerFiles.vectors as {
    name: string;
    files: string[];
    preferred: WeightVariant | null;
    expected: string[];
  }[];
  // The worker's pytest checks its Hub download (choose_variant + hub_patterns) on the same vectors.
  test.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    expect(selectWorkerFiles(v.files, v.preferred).sort()).toEqual(v.expected);
  });

  test('the preferred variant follows the compute dtype the worker loads in', () => {
    expect(preferredVariant('F16')).toBe('fp16');
    expect(preferredVariant('BF16')).toBe('bf16');
    const sdxl = ['unet/w.safetensors', 'unet/w.fp16.safetensors', 'vae/w.fp16.safetensors'];
    expect(chooseVariant(sdxl, 'fp16')).toBe('fp16');
    expect(chooseVariant(sdxl, null)).toBe('fp16'); // vae has nothing else
    expect(chooseVariant(['sd_xl_base_1.0.safetensors'], 'fp16')).toBeNull();
  });
});

describe('hit decision', () => {
  const objects = new Map([
    ['a.json', 10],
    ['unet/w.bin', 1000],
  ]);
  test('hit only when the manifest is present and every object has its size', () => {
    const m = manifest([
      { path: 'a.json', size: 10 },
      { path: 'unet/w.bin', size: 1000 },
    ]);
    expect(decideCacheHit(m, objects).hit).toBe(true);
    expect(decideCacheHit(null, objects)).toEqual({ hit: false, reason: 'no-manifest' });
    expect(decideCacheHit('{not json', objects)).toEqual({ hit: false, reason: 'bad-manifest' });
    expect(decideCacheHit(manifest([{ path: 'unet/w.bin', size: 999 }]), objects)).toMatchObject({
      reason: 'wrong-size',
    });
    expect(decideCacheHit(manifest([{ path: 'vae/w.bin', size: 1 }]), objects)).toMatchObject({
      reason: 'missing-object',
    });
    expect(decideCacheHit(manifest([{ path: '../w.bin', size: 1 }]), objects)).toMatchObject({
      reason: 'bad-manifest',
    });
  });
});

const partVectors = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'test-vectors', 'cache-part-digests.json'), 'utf8'),
) as { files: { name: string; valid: boolean; file: Record<string, unknown> }[] };

describe('part digests in the manifest (shared/test-vectors/cache-part-digests.json)', () => {
  test.each(partVectors.files)('$name', ({ valid, file }) => {
    // The worker's parse_manifest is tested on the same entries.
    expect(CacheManifestFileSchema.safeParse(file).success).toBe(valid);
  });

  test('a manifest from before part digests is still a hit; one with them is too', () => {
    const objects = new Map([['unet/w.bin', 10]]);
    expect(decideCacheHit(manifest([{ path: 'unet/w.bin', size: 10 }]), objects)).toMatchObject({
      hit: true,
    });
    const withParts = JSON.stringify({
      ...(JSON.parse(manifest([{ path: 'unet/w.bin', size: 10 }])) as object),
      files: [
        {
          path: 'unet/w.bin',
          size: 10,
          sha256: 'b'.repeat(64),
          part_size: 4,
          part_sha256: ['c'.repeat(64), 'd'.repeat(64), 'e'.repeat(64)],
        },
      ],
    });
    const hit = decideCacheHit(withParts, objects);
    expect(hit.hit && hit.manifest.files[0]?.part_sha256).toHaveLength(3);
  });
});

describe('fill lease', () => {
  const now = new Date('2026-01-01T00:10:00.000Z');
  const lease = (expires_at: string): string => JSON.stringify({ owner: 'fill-1', expires_at });
  test('sits beside the manifest', () => {
    expect(fillLeaseKey(`org/model/${SHA}`)).toBe(`org/model/${SHA}/.visgate-fill-lease`);
  });
  test('absent, live until its expiry, then expired', () => {
    expect(fillLeaseState(null, now)).toEqual({ state: 'absent' });
    expect(fillLeaseState(lease('2026-01-01T00:10:01.000Z'), now)).toEqual({
      state: 'live',
      lease: { owner: 'fill-1', expires_at: '2026-01-01T00:10:01.000Z' },
    });
    expect(fillLeaseState(lease('2026-01-01T00:10:00.000Z'), now)).toEqual({ state: 'expired' });
  });
  test('an unreadable lease can be taken over instead of blocking fills forever', () => {
    expect(fillLeaseState('{torn', now)).toEqual({ state: 'expired' });
    expect(fillLeaseState('{"owner":"x"}', now)).toEqual({ state: 'expired' });
    expect(fillLeaseState(lease('tomorrow'), now)).toEqual({ state: 'expired' });
  });
});

describe('shared cache policy', () => {
  const policy = {
    allowedModels: ['stabilityai/sd-turbo', 'black-forest-labs/*'],
    rejectUnlisted: true,
  };
  const open = { gated: false as const, private: false };
  test('allowlist: exact ids (case-insensitive) and org wildcards', () => {
    expect(isAllowlisted('StabilityAI/SD-Turbo', policy.allowedModels)).toBe(true);
    expect(isAllowlisted('black-forest-labs/FLUX.1-dev', policy.allowedModels)).toBe(true);
    expect(isAllowlisted('stabilityai/sdxl-turbo', policy.allowedModels)).toBe(false);
    expect(isAllowlisted('black-forest-labsx/a', policy.allowedModels)).toBe(false);
  });
  test('unlisted: rejected or falls back to the Hub, per the setting', () => {
    expect(sharedCacheVerdict('org/other', open, false, policy)).toEqual({
      use: false,
      reject: true,
      reason: 'unlisted',
    });
    expect(
      sharedCacheVerdict('org/other', open, false, { ...policy, rejectUnlisted: false }),
    ).toEqual({
      use: false,
      reject: false,
      reason: 'unlisted',
    });
  });
  test('gated models only for a token that passed the Hub access check', () => {
    const gated = { gated: 'manual' as const, private: false };
    expect(sharedCacheVerdict('black-forest-labs/FLUX.1-dev', gated, false, policy)).toEqual({
      use: false,
      reject: true,
      reason: 'gated-without-access',
    });
    expect(sharedCacheVerdict('black-forest-labs/FLUX.1-dev', gated, true, policy)).toEqual({
      use: true,
    });
    expect(sharedCacheVerdict('stabilityai/sd-turbo', open, false, policy)).toEqual({ use: true });
  });
});
