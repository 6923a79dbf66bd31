import { estimateVram, type WeightComponent } from '../memory/estimate-vram';
import { MODEL_SPECS, findModelSpec } from './model-specs';

const GIB = 1024 ** 3;

const SEED_IDS = [
  'black-forest-labs/FLUX.1-schnell',
  'black-forest-labs/FLUX.1-dev',
  'stabilityai/stable-diffusion-xl-base-1.0',
  'stabilityai/sdxl-turbo',
  'stabilityai/sd-turbo',
  'stabilityai/stable-diffusion-2-1',
  'runwayml/stable-diffusion-v1-5',
  'stabilityai/stable-diffusion-3-medium-diffusers',
  'stabilityai/stable-diffusion-3.5-large',
  'stabilityai/stable-diffusion-3.5-large-turbo',
  'stabilityai/stable-diffusion-3.5-medium',
  'PixArt-alpha/PixArt-Sigma-XL-2-1024-MS',
  'kandinsky-community/kandinsky-2-2-decoder',
  'DeepFloyd/IF-I-XL-v1.0',
  'openai/whisper-large-v3',
  'openai/whisper-large-v3-turbo',
  'microsoft/speecht5_tts',
  'cvssp/audioldm2',
  'suno/bark',
  'Wan-AI/Wan2.1-T2V-14B',
  'Wan-AI/Wan2.1-T2V-14B-Diffusers',
  'Wan-AI/Wan2.1-T2V-1.3B',
  'Wan-AI/Wan2.1-T2V-1.3B-Diffusers',
  'THUDM/CogVideoX-2b',
  'THUDM/CogVideoX-5b',
];

function parts(dtype: string, counts: Record<string, number>): WeightComponent[] {
  return Object.entries(counts).map(([name, params]) => ({
    name,
    className: null,
    dtype,
    bytes: params * 2,
    params,
    files: [],
  }));
}

describe('MODEL_SPECS', () => {
  it('holds exactly the seed’s 25 model ids', () => {
    expect(MODEL_SPECS.map((s) => s.id).sort()).toEqual([...SEED_IDS].sort());
  });

  it.each(MODEL_SPECS.map((s) => [s.id, s] as const))(
    'gives %s a VRAM figure at least its weights',
    (_id, spec) => {
      expect(spec.vramBytes).toBeGreaterThanOrEqual(spec.weightsBytes);
      expect(spec.weightsBytes).toBeGreaterThan(0);
      expect(spec.notes.length).toBeGreaterThan(0);
    },
  );

  it.each(['black-forest-labs/FLUX.1-schnell', 'black-forest-labs/FLUX.1-dev'])(
    'needs more than 24 GiB for %s',
    (id) => {
      expect(findModelSpec(id)!.vramBytes).toBeGreaterThan(24 * GIB);
    },
  );

  it('marks only diffusers families the worker serves supported (image, Wan, CogVideoX)', () => {
    for (const spec of MODEL_SPECS) {
      const image = !['audio', 'video', 'pixel', 'kandinsky'].includes(spec.family);
      expect(spec.supported).toBe(image);
      if (!spec.supported) expect(spec.notes).toMatch(/worker/);
    }
  });

  it.each([
    ['Wan-AI/Wan2.1-T2V-1.3B-Diffusers', 'wan', 12, 16],
    ['Wan-AI/Wan2.1-T2V-14B-Diffusers', 'wan', 35, 38],
    ['THUDM/CogVideoX-2b', 'cogvideox', 11, 13],
    ['THUDM/CogVideoX-5b', 'cogvideox', 18, 21],
  ])(
    'serves %s as %s text-to-video with %d-%d GiB of weights and a video activation peak',
    (id, family, minGib, maxGib) => {
      const spec = findModelSpec(id)!;
      expect(spec).toMatchObject({ family, supported: true, tasks: ['text-to-video'] });
      expect(spec.weightsBytes / GIB).toBeGreaterThan(minGib);
      expect(spec.weightsBytes / GIB).toBeLessThan(maxGib);
      expect(spec.activationBytes).toBeGreaterThan(2 * GIB);
      expect(spec.vramBytes).toBeGreaterThan(spec.weightsBytes + spec.activationBytes!);
    },
  );

  it.each([
    ['black-forest-labs/FLUX.1-dev', ['text-to-image', 'image-to-image', 'inpainting']],
    ['stabilityai/stable-diffusion-3.5-medium', ['text-to-image', 'image-to-image', 'inpainting']],
    ['stabilityai/sd-turbo', ['text-to-image', 'image-to-image', 'inpainting']],
    ['PixArt-alpha/PixArt-Sigma-XL-2-1024-MS', ['text-to-image']],
    ['THUDM/CogVideoX-5b', ['text-to-video']],
  ])('lists for %s the tasks a deployment may take: %j', (id, tasks) => {
    expect(findModelSpec(id)!.tasks).toEqual(tasks);
  });

  it.each(['Wan-AI/Wan2.1-T2V-1.3B', 'Wan-AI/Wan2.1-T2V-14B'])(
    'keeps the native checkpoint %s unsupported, pointing at its diffusers repo',
    (id) => {
      const spec = findModelSpec(id)!;
      expect(spec.supported).toBe(false);
      expect(spec.notes).toContain(`${id}-Diffusers`);
    },
  );

  it.each([
    ['black-forest-labs/FLUX.1-dev', true],
    ['black-forest-labs/FLUX.1-schnell', false],
    ['stabilityai/stable-diffusion-3.5-large', true],
    ['stabilityai/sd-turbo', false],
  ])('records %s as gated: %s', (id, gated) => {
    expect(findModelSpec(id)!.gated).toBe(gated);
  });

  it.each([
    [
      'stabilityai/sd-turbo',
      'StableDiffusionPipeline',
      parts('F16', { unet: 865_910_724, text_encoder: 340_000_000, vae: 83_653_863 }),
    ],
    [
      'stabilityai/stable-diffusion-xl-base-1.0',
      'StableDiffusionXLPipeline',
      parts('F16', {
        unet: 2_567_463_684,
        text_encoder: 123_060_480,
        text_encoder_2: 694_659_841,
        vae: 83_653_863,
      }),
    ],
    [
      'black-forest-labs/FLUX.1-dev',
      'FluxPipeline',
      parts('BF16', {
        transformer: 11_901_408_320,
        text_encoder_2: 4_762_310_656,
        text_encoder: 123_060_480,
        vae: 83_819_683,
      }),
    ],
  ])('agrees within 10%% with estimateVram for %s', (id, pipelineClass, components) => {
    const est = estimateVram({ modelId: id, pipelineClass, components });
    const spec = findModelSpec(id)!;
    expect(Math.abs(spec.vramBytes - est.vram_bytes) / est.vram_bytes).toBeLessThanOrEqual(0.1);
    expect(Math.abs(spec.weightsBytes - est.weights_bytes) / est.weights_bytes).toBeLessThanOrEqual(
      0.1,
    );
  });
});

describe('findModelSpec', () => {
  it('finds an id regardless of case and surrounding spaces', () => {
    expect(findModelSpec(' STABILITYAI/SD-TURBO ')?.id).toBe('stabilityai/sd-turbo');
  });

  it('returns undefined for an unknown id', () => {
    expect(findModelSpec('nobody/nothing')).toBeUndefined();
  });
});
