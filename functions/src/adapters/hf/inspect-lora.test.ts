import { chooseLoraFile } from './inspect-lora';

describe('chooseLoraFile', () => {
  it.each([
    [
      'the one safetensors file at the root',
      ['README.md', 'my_style.safetensors'],
      null,
      { kind: 'file', file: 'my_style.safetensors' },
    ],
    [
      "diffusers' file among several",
      ['a.safetensors', 'pytorch_lora_weights.safetensors'],
      null,
      { kind: 'file', file: 'pytorch_lora_weights.safetensors' },
    ],
    [
      'several without a preferred one',
      ['b.safetensors', 'a.safetensors'],
      null,
      { kind: 'ambiguous', files: ['a.safetensors', 'b.safetensors'] },
    ],
    [
      'files below the root are not guessed',
      ['checkpoints/x.safetensors'],
      null,
      { kind: 'none', pickles: [] },
    ],
    [
      'pickle weights only',
      ['pytorch_lora_weights.bin', 'README.md'],
      null,
      { kind: 'none', pickles: ['pytorch_lora_weights.bin'] },
    ],
    [
      'the named file',
      ['a.safetensors', 'v2/b.safetensors'],
      'v2/b.safetensors',
      { kind: 'file', file: 'v2/b.safetensors' },
    ],
    [
      'a named file that is missing',
      ['a.safetensors'],
      'b.safetensors',
      { kind: 'none', pickles: [] },
    ],
  ] as const)('%s', (_what, paths, weightName, expected) => {
    expect(chooseLoraFile(paths, weightName)).toEqual(expected);
  });
});
