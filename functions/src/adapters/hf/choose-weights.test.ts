import { chooseWeights, isWeightlessClass } from './choose-weights';

describe('chooseWeights', () => {
  it.each([
    [
      ['diffusion_pytorch_model.safetensors', 'diffusion_pytorch_model.fp16.safetensors'],
      { kind: 'single', variant: 'fp16', file: 'diffusion_pytorch_model.fp16.safetensors' },
    ],
    [
      ['model.safetensors', 'model.bf16.safetensors'],
      { kind: 'single', variant: 'bf16', file: 'model.bf16.safetensors' },
    ],
    [
      ['diffusion_pytorch_model.safetensors', 'diffusion_pytorch_model.non_ema.safetensors'],
      { kind: 'single', variant: null, file: 'diffusion_pytorch_model.safetensors' },
    ],
    [
      ['model.safetensors.index.json', 'model-00001-of-00002.safetensors'],
      { kind: 'sharded', variant: null, index: 'model.safetensors.index.json' },
    ],
    [
      ['model.safetensors.index.fp16.json', 'model.safetensors.index.json'],
      { kind: 'sharded', variant: 'fp16', index: 'model.safetensors.index.fp16.json' },
    ],
    [
      ['diffusion_pytorch_model.fp16.safetensors.index.json'],
      {
        kind: 'sharded',
        variant: 'fp16',
        index: 'diffusion_pytorch_model.fp16.safetensors.index.json',
      },
    ],
    [
      ['diffusion_pytorch_model.bin', 'config.json'],
      { kind: 'pickle-only', files: ['diffusion_pytorch_model.bin'] },
    ],
    [['config.json'], { kind: 'none' }],
  ])('picks the preferred weights among %j', (names, expected) => {
    expect(chooseWeights(names)).toEqual(expected);
  });
});

describe('isWeightlessClass', () => {
  it.each([
    ['EulerDiscreteScheduler', true],
    ['CLIPTokenizer', true],
    ['T5TokenizerFast', true],
    ['CLIPImageProcessor', true],
    ['UNet2DConditionModel', false],
    ['StableDiffusionSafetyChecker', false],
  ])('classifies %s as weightless: %s', (cls, expected) => {
    expect(isWeightlessClass(cls)).toBe(expected);
  });
});
