import { AppError, DTYPE_BYTES } from '@visgate/shared';
import { FIXTURES, PARAMS, startHfSim, type HfSim, type RepoFixture } from '@visgate/sim';
import type { ModelHub } from '../../ports';
import { createHubClient } from './hub-client';

const GATED_OK = 'hf_accepted_every_licence';
const NO_GRANTS = 'hf_plain_user_without_grants';
const PRIVATE_OK = 'hf_acme_member';

let sim: HfSim;
let hub: ModelHub;

beforeAll(async () => {
  sim = await startHfSim();
  sim.addToken(GATED_OK, {
    canAccessGated: [
      'black-forest-labs/FLUX.1-dev',
      'stabilityai/stable-diffusion-3-medium-diffusers',
    ],
  });
  sim.addToken(NO_GRANTS, {});
  sim.addToken(PRIVATE_OK, { canSeePrivate: ['acme-corp/private-diffusion'] });
  hub = createHubClient({ hubUrl: sim.url, timeoutMs: 5_000 });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.set({ errorRate5xx: 0, rate429: 0, down: false, latencyMs: 0 });
  sim.clearRequests();
});

/** Params × dtype width of a fixture file, straight from the catalog. */
function fixtureBytes(fixture: RepoFixture, path: string): { bytes: number; params: number } {
  const file = fixture.files.find((f) => f.path === path);
  if (!file || !('safetensors' in file)) throw new Error(`${path} is not a safetensors fixture`);
  return file.safetensors.reduce(
    (acc, t) => ({
      bytes: acc.bytes + t.params * DTYPE_BYTES[t.dtype]!,
      params: acc.params + t.params,
    }),
    { bytes: 0, params: 0 },
  );
}

async function inspectError(
  modelId: string,
  revision = 'main',
  token: string | null = null,
): Promise<AppError> {
  const err = await hub.inspect(modelId, { revision, token }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

type Expect = Record<string, [variant: string | null, dtype: string, fileCount: number]>;
const fp16 = (...names: string[]): Expect =>
  Object.fromEntries(names.map((n) => [n, ['fp16', 'F16', 1]]));
const FLUX: Expect = {
  text_encoder: [null, 'BF16', 1],
  text_encoder_2: [null, 'BF16', 2],
  transformer: [null, 'BF16', 3],
  vae: [null, 'BF16', 1],
};
const SD15 = fp16('safety_checker', 'text_encoder', 'unet', 'vae');
const SDXL = fp16('text_encoder', 'text_encoder_2', 'unet', 'vae');

describe('createHubClient().inspect', () => {
  it.each<[string, string | null, string, Expect]>([
    ['stabilityai/sd-turbo', null, 'StableDiffusionPipeline', fp16('text_encoder', 'unet', 'vae')],
    [
      'stabilityai/stable-diffusion-2-1',
      null,
      'StableDiffusionPipeline',
      fp16('text_encoder', 'unet', 'vae'),
    ],
    ['stabilityai/stable-diffusion-xl-base-1.0', null, 'StableDiffusionXLPipeline', SDXL],
    ['stabilityai/sdxl-turbo', null, 'StableDiffusionXLPipeline', SDXL],
    ['stable-diffusion-v1-5/stable-diffusion-v1-5', null, 'StableDiffusionPipeline', SD15],
    ['runwayml/stable-diffusion-v1-5', null, 'StableDiffusionPipeline', SD15],
    [
      'stabilityai/stable-diffusion-3-medium-diffusers',
      GATED_OK,
      'StableDiffusion3Pipeline',
      {
        text_encoder: [null, 'F16', 1],
        text_encoder_2: [null, 'F16', 1],
        text_encoder_3: [null, 'F16', 2],
        transformer: [null, 'F16', 1],
        vae: [null, 'F16', 1],
      },
    ],
    ['black-forest-labs/FLUX.1-schnell', null, 'FluxPipeline', FLUX],
    ['black-forest-labs/FLUX.1-dev', GATED_OK, 'FluxPipeline', FLUX],
    [
      'PixArt-alpha/PixArt-Sigma-XL-2-1024-MS',
      null,
      'PixArtSigmaPipeline',
      {
        text_encoder: [null, 'F32', 2],
        transformer: [null, 'F32', 1],
        vae: [null, 'F32', 1],
      },
    ],
    [
      'acme-corp/private-diffusion',
      PRIVATE_OK,
      'StableDiffusionPipeline',
      {
        text_encoder: [null, 'F32', 1],
        unet: ['fp16', 'F16', 1],
        vae: [null, 'F32', 1],
      },
    ],
    [
      'visgate-test/tiny-sd',
      null,
      'StableDiffusionPipeline',
      {
        text_encoder: [null, 'F32', 1],
        unet: ['fp16', 'F16', 1],
        vae: [null, 'F32', 1],
      },
    ],
  ])(
    'reports %s exactly from its safetensors headers',
    async (modelId, token, pipelineClass, expected) => {
      const fixture = FIXTURES.find((f) => f.id === modelId)!;
      const report = await hub.inspect(modelId, { revision: 'main', token });

      expect(report.pipelineClass).toBe(pipelineClass);
      expect(report.revisionSha).toBe(fixture.sha);
      expect(report.gated).toBe(fixture.gated ?? false);
      expect(report.private).toBe(fixture.private ?? false);
      expect(report.libraryName).toBe('diffusers');
      expect(report.components.map((c) => c.name).sort()).toEqual(Object.keys(expected).sort());
      for (const c of report.components) {
        const [variant, dtype, fileCount] = expected[c.name]!;
        expect([c.name, c.variant, c.dtype, c.files.length]).toEqual([
          c.name,
          variant,
          dtype,
          fileCount,
        ]);
        const sums = c.files.map((f) => fixtureBytes(fixture, f));
        expect(c.bytes).toBe(sums.reduce((n, s) => n + s.bytes, 0));
        expect(c.params).toBe(sums.reduce((n, s) => n + s.params, 0));
        expect(c.paramsByDtype).toEqual({ [dtype]: c.params });
      }
      const served = [...sim.repo(modelId)!.files.values()].reduce((n, f) => n + f.size, 0);
      expect(report.totalFileBytes).toBe(served);
    },
  );

  it.each([
    ['stabilityai/stable-diffusion-xl-base-1.0', 'unet', PARAMS.sdxlUnet * 2],
    ['stabilityai/sd-turbo', 'unet', PARAMS.sd2Unet * 2],
    ['black-forest-labs/FLUX.1-schnell', 'transformer', 11_901_408_320 * 2],
    ['black-forest-labs/FLUX.1-schnell', 'text_encoder_2', 4_762_310_656 * 2],
    ['black-forest-labs/FLUX.1-schnell', 'vae', PARAMS.fluxVae * 2],
  ])('gives %s %s the real weight bytes', async (modelId, component, bytes) => {
    const report = await hub.inspect(modelId, { revision: 'main', token: null });
    expect(report.components.find((c) => c.name === component)?.bytes).toBe(bytes);
  });

  it('reads only safetensors headers by Range and pins every request after the first to the commit', async () => {
    const report = await hub.inspect('stabilityai/stable-diffusion-xl-base-1.0', {
      revision: 'main',
      token: null,
    });
    const [first, ...rest] = sim.requests;
    expect(first).toMatchObject({ kind: 'model-info', revision: 'main' });
    for (const r of rest.filter((q) => q.revision !== null))
      expect(r.revision).toBe(report.revisionSha);
    const weightReads = rest.filter((r) => r.filePath?.endsWith('.safetensors'));
    expect(weightReads.length).toBeGreaterThan(0);
    for (const r of weightReads) expect(r.range).toMatch(/^bytes=\d+-\d+$/);
    // The 1,680-tensor UNet header is longer than the first 100,000-byte read.
    expect(
      weightReads.filter((r) => r.filePath === 'unet/diffusion_pytorch_model.fp16.safetensors'),
    ).toHaveLength(2);
    expect(sim.requests.reduce((n, r) => n + r.bodyBytes, 0)).toBeLessThan(2_000_000);
  });

  it('resolves a tag and a commit sha to the same commit', async () => {
    const byTag = await hub.inspect('stabilityai/stable-diffusion-2-1', {
      revision: 'fp16',
      token: null,
    });
    const bySha = await hub.inspect('stabilityai/stable-diffusion-2-1', {
      revision: byTag.revisionSha,
      token: null,
    });
    expect(bySha).toEqual(byTag);
  });

  it('answers MODEL_GATED for a gated repo without a token, before reading any file', async () => {
    const err = await inspectError('black-forest-labs/FLUX.1-dev');
    expect(err.code).toBe('MODEL_GATED');
    expect(err.message).toMatch(/accepted licence.*hf_token/);
    expect(sim.requests.filter((r) => r.kind === 'resolve')).toHaveLength(0);
  });

  it('answers MODEL_GATED when the token has not accepted the licence', async () => {
    const err = await inspectError(
      'stabilityai/stable-diffusion-3-medium-diffusers',
      'main',
      NO_GRANTS,
    );
    expect(err.code).toBe('MODEL_GATED');
  });

  it.each([
    [
      'a private repo without a token',
      'acme-corp/private-diffusion',
      'main',
      null,
      /not found, or it is private: pass hf_token/,
    ],
    [
      'a private repo the token cannot see',
      'acme-corp/private-diffusion',
      'main',
      NO_GRANTS,
      /not found, or the given hf_token cannot see it/,
    ],
    ['an unknown repo', 'nobody/no-such-model', 'main', null, /not found/],
    [
      'an unknown revision',
      'stabilityai/sd-turbo',
      'no-such-branch',
      null,
      /no revision "no-such-branch"/,
    ],
    [
      'a rejected token',
      'stabilityai/sd-turbo',
      'main',
      'hf_revoked_token_123',
      /rejected the hf_token/,
    ],
    ['a malformed id', '../etc/passwd', 'main', null, /not a Hugging Face model id/],
  ])('answers MODEL_NOT_FOUND for %s', async (_case, modelId, revision, token, message) => {
    const err = await inspectError(modelId, revision, token);
    expect(err.code).toBe('MODEL_NOT_FOUND');
    expect(err.message).toMatch(message);
    if (token) expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(token);
  });

  it('answers MODEL_UNSUPPORTED for a repo without model_index.json', async () => {
    const err = await inspectError('openai/whisper-large-v3');
    expect(err.code).toBe('MODEL_UNSUPPORTED');
    expect(err.message).toMatch(/not a diffusers pipeline/);
  });

  it('answers MODEL_UNSUPPORTED naming a component with only pickle weights', async () => {
    const tiny = FIXTURES.find((f) => f.id === 'visgate-test/tiny-sd')!;
    sim.addRepo({
      ...tiny,
      id: 'visgate-test/pickle-unet',
      files: [
        ...tiny.files.filter((f) => !f.path.startsWith('unet/diffusion_pytorch_model')),
        { path: 'unet/diffusion_pytorch_model.bin', blobBytes: 9_000 },
      ],
    });
    const err = await inspectError('visgate-test/pickle-unet');
    expect(err.code).toBe('MODEL_UNSUPPORTED');
    expect(err.message).toMatch(/"unet" has only pickle weights \(diffusion_pytorch_model\.bin\)/);
  });

  it('answers MODEL_UNSUPPORTED for a corrupt safetensors header', async () => {
    const tiny = FIXTURES.find((f) => f.id === 'visgate-test/tiny-sd')!;
    const corrupt = Buffer.concat([
      Buffer.from([16, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from('{"a": not json! '),
    ]);
    sim.addRepo({
      ...tiny,
      id: 'visgate-test/corrupt-vae',
      files: [
        ...tiny.files.filter((f) => f.path !== 'vae/diffusion_pytorch_model.safetensors'),
        { path: 'vae/diffusion_pytorch_model.safetensors', rawBase64: corrupt.toString('base64') },
      ],
    });
    const err = await inspectError('visgate-test/corrupt-vae');
    expect(err.code).toBe('MODEL_UNSUPPORTED');
    expect(err.message).toMatch(
      /vae\/diffusion_pytorch_model\.safetensors is not a readable safetensors file/,
    );
  });

  it.each([
    ['a 5xx', { errorRate5xx: 1 }],
    ['a 429', { rate429: 1 }],
    ['an outage', { down: true }],
  ])('answers retryable UPSTREAM_UNAVAILABLE on %s', async (_case, switches) => {
    sim.set(switches);
    const err = await inspectError('visgate-test/tiny-sd', 'main', GATED_OK);
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.message).not.toContain(GATED_OK);
  });

  it('answers retryable UPSTREAM_UNAVAILABLE when the Hub is too slow', async () => {
    sim.set({ latencyMs: 10_000 });
    const slow = createHubClient({ hubUrl: sim.url, timeoutMs: 50 });
    const err = await slow
      .inspect('visgate-test/tiny-sd', { revision: 'main', token: null })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
  });

  it('answers retryable UPSTREAM_UNAVAILABLE when the Hub is unreachable', async () => {
    const other = await startHfSim();
    const url = other.url;
    await other.close();
    const gone = createHubClient({ hubUrl: url, timeoutMs: 1_000 });
    const err = await gone
      .inspect('visgate-test/tiny-sd', { revision: 'main', token: null })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
  });
});
