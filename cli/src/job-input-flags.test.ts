import { EXIT } from './errors';
import type { Flags } from './flags';
import { jobInputFlags, loraValue } from './job-input-flags';

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(24)]);
const files: Record<string, Buffer> = { 'in.png': PNG, 'notes.txt': Buffer.from('hello') };
const read = (path: string): Promise<Buffer> => {
  const bytes = files[path];
  return bytes === undefined ? Promise.reject(new Error('ENOENT')) : Promise.resolve(bytes);
};
const build = (flags: Flags, format = 'png') => jobInputFlags(flags, format, read);

describe('visgate run job flags', () => {
  it('sends a file as a base64 data URL and an https URL as is', async () => {
    expect(
      await build({ image: 'in.png', mask: 'https://img.example/m.png', strength: '0.6' }),
    ).toEqual({
      image: `data:image/png;base64,${PNG.toString('base64')}`,
      mask: 'https://img.example/m.png',
      strength: 0.6,
    });
  });

  it('makes a video job from frames and fps when the output is an .mp4', async () => {
    expect(await build({ frames: '33', fps: '16' }, 'mp4')).toEqual({ num_frames: 33, fps: 16 });
  });

  it('collects repeated --lora flags', async () => {
    expect(await build({ lora: ['org/a@v2:0.5', 'https://cdn.example/b.safetensors'] })).toEqual({
      loras: [
        { hf_repo: 'org/a', revision: 'v2', scale: 0.5 },
        { url: 'https://cdn.example/b.safetensors' },
      ],
    });
  });

  it.each([
    ['a mask without an image', { mask: 'in.png' }, 'png', '--mask needs --image'],
    ['strength without an image', { strength: '0.5' }, 'png', '--strength needs --image'],
    ['strength above 1', { image: 'in.png', strength: '1.5' }, 'png', '--strength must be'],
    ['frames for an image', { frames: '33' }, 'png', '--frames is for video'],
    ['fps for an image', { fps: '8' }, 'webp', '--fps is for video'],
    ['an init image for a video', { image: 'in.png' }, 'mp4', '--image is for image deployments'],
    ['an http image URL', { image: 'http://img.example/a.png' }, 'png', 'an https URL'],
    ['a file that is not an image', { image: 'notes.txt' }, 'png', 'not a PNG, JPEG or WebP'],
    ['a missing file', { image: 'gone.png' }, 'png', 'cannot read gone.png'],
    ['six adapters', { lora: Array(6).fill('org/a') as string[] }, 'png', 'at most 5 --lora'],
  ] as const)('refuses %s before sending', async (_what, flags, format, message) => {
    await expect(build(flags as Flags, format)).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringContaining(message),
    });
  });
});

describe('--lora values', () => {
  it.each([
    ['org/name', { hf_repo: 'org/name' }],
    ['org/name:0.8', { hf_repo: 'org/name', scale: 0.8 }],
    ['org/name@abc123:-1', { hf_repo: 'org/name', revision: 'abc123', scale: -1 }],
    ['https://h.example:8443/x.safetensors', { url: 'https://h.example:8443/x.safetensors' }],
    [
      'https://h.example/x.safetensors?s=1:2',
      { url: 'https://h.example/x.safetensors?s=1', scale: 2 },
    ],
  ])('%s', (value, expected) => {
    expect(loraValue(value)).toEqual(expected);
  });

  it.each(['org', 'https://h.example/x.bin', 'org/name:9', 'file.safetensors'])(
    'refuses %s',
    (value) => {
      expect(() => loraValue(value)).toThrow(/--lora/);
    },
  );
});
