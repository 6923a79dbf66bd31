import fc from 'fast-check';
import { EstimateSchema } from '../schemas/deployment';
import {
  ALLOCATOR_HEADROOM,
  CUDA_CONTEXT_BYTES,
  FAMILY_DEFAULTS,
  MODEL_FAMILIES,
  activationBytesFor,
  estimateFromSpec,
  estimateVram,
  familyOf,
  inferenceDefaults,
  type WeightComponent,
} from './estimate-vram';
import { findModelSpec } from '../models/model-specs';

const GIB = 1024 ** 3;

function component(name: string, dtype: string, params: number, width = 2): WeightComponent {
  return {
    name,
    className: null,
    dtype,
    bytes: params * width,
    params,
    files: [`${name}/x.safetensors`],
  };
}

const SD_TURBO = [
  component('unet', 'F16', 865_910_724),
  component('text_encoder', 'F16', 340_387_840),
  component('vae', 'F16', 83_653_863),
];
const SDXL = [
  component('unet', 'F16', 2_567_463_684),
  component('text_encoder', 'F16', 123_060_480),
  component('text_encoder_2', 'F16', 694_659_841),
  component('vae', 'F16', 83_653_863),
];
const FLUX = [
  component('transformer', 'BF16', 11_901_408_320),
  component('text_encoder_2', 'BF16', 4_762_310_656),
  component('text_encoder', 'BF16', 123_060_480),
  component('vae', 'BF16', 83_819_683),
];

describe('familyOf', () => {
  it.each([
    ['FluxPipeline', 'black-forest-labs/FLUX.1-dev', 'flux'],
    ['StableDiffusion3Pipeline', 'stabilityai/stable-diffusion-3.5-large', 'sd3'],
    ['StableDiffusionXLPipeline', 'stabilityai/sdxl-turbo', 'sdxl'],
    ['StableDiffusionXLImg2ImgPipeline', 'stabilityai/stable-diffusion-xl-refiner-1.0', 'sdxl'],
    ['PixArtSigmaPipeline', 'PixArt-alpha/PixArt-Sigma-XL-2-1024-MS', 'pixart'],
    ['PixArtAlphaPipeline', 'PixArt-alpha/PixArt-XL-2-1024-MS', 'pixart'],
    ['KandinskyV22Pipeline', 'kandinsky-community/kandinsky-2-2-decoder', 'kandinsky'],
    ['KandinskyV22CombinedPipeline', 'x/y', 'kandinsky'],
    ['Kandinsky3Pipeline', 'kandinsky-community/kandinsky-3', 'other'],
    ['StableDiffusionPipeline', 'runwayml/stable-diffusion-v1-5', 'sd1'],
    ['StableDiffusionPipeline', 'stabilityai/stable-diffusion-2-1', 'sd2'],
    ['StableDiffusionPipeline', 'stabilityai/sd-turbo', 'sd2'],
    ['StableDiffusionPipeline', 'someone/my-finetune', 'sd1'],
    ['IFPipeline', 'DeepFloyd/IF-I-XL-v1.0', 'other'],
    [null, 'black-forest-labs/FLUX.1-schnell', 'flux'],
    [null, 'stabilityai/stable-diffusion-xl-base-1.0', 'sdxl'],
    [null, 'PixArt-alpha/PixArt-Sigma-XL-2-1024-MS', 'pixart'],
    [null, 'stabilityai/stable-diffusion-3-medium-diffusers', 'sd3'],
    [null, 'openai/whisper-large-v3', 'other'],
  ])('maps %s of %s to %s', (pipelineClass, modelId, family) => {
    expect(familyOf(pipelineClass, modelId)).toBe(family);
  });

  it.each([
    [123_060_480, 'sd1'],
    [340_387_840, 'sd2'],
  ])('tells SD 1.x from 2.x by a %d-parameter text encoder', (params, family) => {
    expect(familyOf('StableDiffusionPipeline', 'someone/my-finetune', params)).toBe(family);
  });
});

describe('inferenceDefaults', () => {
  it.each([
    ['sd2', 'stabilityai/sd-turbo', { resolution: 512, steps: 1, guidance: 0 }],
    ['sdxl', 'stabilityai/sdxl-turbo', { resolution: 512, steps: 1, guidance: 0 }],
    ['flux', 'black-forest-labs/FLUX.1-schnell', { resolution: 1024, steps: 4, guidance: 0 }],
    ['flux', 'black-forest-labs/FLUX.1-dev', { resolution: 1024, steps: 28, guidance: 3.5 }],
    ['sdxl', 'ByteDance/SDXL-Lightning', { resolution: 1024, steps: 4, guidance: 0 }],
    [
      'sd3',
      'stabilityai/stable-diffusion-3.5-large-turbo',
      { resolution: 1024, steps: 4, guidance: 0 },
    ],
    ['sd1', 'runwayml/stable-diffusion-v1-5', { resolution: 512, steps: 30, guidance: 7.5 }],
    ['sd2', 'stabilityai/stable-diffusion-2-1', { resolution: 768, steps: 30, guidance: 7.5 }],
    ['sd2', 'stabilityai/stable-diffusion-2-1-base', { resolution: 512, steps: 30, guidance: 7.5 }],
    [
      'sdxl',
      'stabilityai/stable-diffusion-xl-base-1.0',
      { resolution: 1024, steps: 30, guidance: 5 },
    ],
  ] as const)('gives %s model %s %j', (family, modelId, expected) => {
    expect(inferenceDefaults(family, modelId)).toEqual(expected);
  });

  it('keeps every default within the family’s maximum resolution and a multiple of 8', () => {
    for (const family of MODEL_FAMILIES) {
      const { resolution } = FAMILY_DEFAULTS[family];
      expect(resolution % 8).toBe(0);
      expect(resolution).toBeLessThanOrEqual(FAMILY_DEFAULTS[family].maxResolution);
    }
  });
});

describe('estimateVram', () => {
  it.each([
    ['stabilityai/sd-turbo', 'StableDiffusionPipeline', SD_TURBO, 4, 6],
    ['stabilityai/stable-diffusion-xl-base-1.0', 'StableDiffusionXLPipeline', SDXL, 10, 12],
    ['black-forest-labs/FLUX.1-dev', 'FluxPipeline', FLUX, 34, 44],
  ])(
    'puts %s between the expected bounds',
    (modelId, pipelineClass, components, lowGiB, highGiB) => {
      const est = estimateVram({ modelId, pipelineClass, components });
      expect(est.vram_bytes / GIB).toBeGreaterThanOrEqual(lowGiB);
      expect(est.vram_bytes / GIB).toBeLessThanOrEqual(highGiB);
    },
  );

  it('returns a value that satisfies EstimateSchema, its parts summing to the total', () => {
    const est = estimateVram({
      modelId: 'stabilityai/sd-turbo',
      pipelineClass: 'StableDiffusionPipeline',
      components: SD_TURBO,
    });
    expect(EstimateSchema.parse(est)).toEqual(est);
    expect(est.method).toBe('safetensors_headers');
    expect(est.family).toBe('sd2');
    expect(est.resolution).toBe(512);
    expect(est.weights_bytes + est.activation_bytes + est.overhead_bytes).toBe(est.vram_bytes);
  });

  it('counts a float32 component at 2 bytes per parameter, as the worker loads it', () => {
    const est = estimateVram({
      modelId: 'x/pixart',
      pipelineClass: 'PixArtSigmaPipeline',
      components: [component('transformer', 'F32', 611_000_000, 4)],
    });
    expect(est.components[0]).toMatchObject({
      dtype: 'F16',
      bytes: 1_222_000_000,
      params: 611_000_000,
    });
  });

  it('keeps the stored bytes of a quantized component', () => {
    const est = estimateVram({
      modelId: 'x/flux-fp8',
      pipelineClass: 'FluxPipeline',
      components: [component('transformer', 'F8_E4M3', 11_901_408_320, 1)],
    });
    expect(est.components[0]).toMatchObject({ dtype: 'F8_E4M3', bytes: 11_901_408_320 });
  });

  it('rescales stored bytes when a component’s parameter count is unknown', () => {
    const est = estimateVram({
      modelId: 'x/y',
      pipelineClass: 'FluxPipeline',
      components: [
        { name: 'vae', className: null, dtype: 'F32', bytes: 400, params: 0, files: [] },
      ],
    });
    expect(est.components[0]!.bytes).toBe(200);
  });

  it('grows the activation term with resolution', () => {
    const at = (resolution: number) =>
      estimateVram({
        modelId: 'x/sdxl',
        pipelineClass: 'StableDiffusionXLPipeline',
        components: SDXL,
        resolution,
      });
    expect(at(1536).activation_bytes).toBeGreaterThan(at(1024).activation_bytes);
    expect(at(1024).activation_bytes).toBe(activationBytesFor('sdxl', 1024));
  });

  it('never estimates less than weights plus the CUDA context plus 10% headroom', () => {
    const componentArb = fc.record({
      name: fc.constantFrom('unet', 'vae', 'text_encoder', 'transformer'),
      className: fc.constant(null),
      dtype: fc.constantFrom('F32', 'F16', 'BF16', 'F8_E4M3', 'I8'),
      bytes: fc.integer({ min: 0, max: 40 * GIB }),
      params: fc.integer({ min: 0, max: 20_000_000_000 }),
      files: fc.constant<string[]>([]),
    });
    fc.assert(
      fc.property(
        fc.array(componentArb, { maxLength: 6 }),
        fc.constantFrom(null, 'FluxPipeline', 'StableDiffusionPipeline', 'Unknown'),
        fc.integer({ min: 64, max: 2048 }),
        (components, pipelineClass, resolution) => {
          const est = estimateVram({ modelId: 'a/b', pipelineClass, components, resolution });
          const floor =
            est.weights_bytes + CUDA_CONTEXT_BYTES + ALLOCATOR_HEADROOM * est.weights_bytes;
          expect(est.vram_bytes).toBeGreaterThanOrEqual(Math.floor(floor));
          expect(est.weights_bytes + est.activation_bytes + est.overhead_bytes).toBe(
            est.vram_bytes,
          );
        },
      ),
    );
  });
});

describe('estimateFromSpec', () => {
  it('carries the registry figures with method registry', () => {
    const spec = findModelSpec('black-forest-labs/FLUX.1-dev')!;
    const est = estimateFromSpec(spec);
    expect(EstimateSchema.parse(est)).toEqual(est);
    expect(est).toMatchObject({
      method: 'registry',
      family: 'flux',
      resolution: 1024,
      weights_bytes: spec.weightsBytes,
      vram_bytes: spec.vramBytes,
    });
    expect(est.weights_bytes + est.activation_bytes + est.overhead_bytes).toBe(est.vram_bytes);
  });

  it.each(['Wan-AI/Wan2.1-T2V-14B-Diffusers', 'THUDM/CogVideoX-5b'])(
    '%s: model offload still needs the whole denoiser and its activations on the card',
    (id) => {
      const est = estimateFromSpec(findModelSpec(id)!);
      const offload = est.memory_plans?.find((p) => p.offload === 'model');
      const dit = (id.includes('14B') ? 28.6 : 11.1) * 1e9; // model cards: bf16 transformer
      expect(offload?.need_bytes).toBeGreaterThan(dit * 0.95);
      expect(est.memory_plans?.[0]).toMatchObject({ offload: 'none', need_bytes: est.vram_bytes });
    },
  );

  it('gives a non-image model resolution 0 and no activation term', () => {
    const est = estimateFromSpec(findModelSpec('openai/whisper-large-v3')!);
    expect(est).toMatchObject({ family: 'audio', resolution: 0, activation_bytes: 0 });
  });
});
