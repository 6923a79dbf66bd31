import { JobInputSchema } from './job-input';
import { checkJobForDeployment, type JobTarget } from './job-kind';

const sdxl: JobTarget = { video: false, family: 'sdxl', deploymentLoras: 0 };
const wan: JobTarget = { video: true, family: 'wan', deploymentLoras: 0 };
const pixart: JobTarget = { video: false, family: 'pixart', deploymentLoras: 0 };
const IMG = 'https://img.example/cat.png';

describe('checkJobForDeployment', () => {
  const cases: [string, Record<string, unknown>, JobTarget, string[]][] = [
    ['a prompt on an image model', {}, sdxl, []],
    ['image-to-image on SDXL', { image: IMG, strength: 0.6 }, sdxl, []],
    ['inpainting on SDXL', { image: IMG, mask: IMG }, sdxl, []],
    ['image-to-image on PixArt', { image: IMG }, pixart, ['image']],
    ['frames on an image model', { num_frames: 33, fps: 16 }, sdxl, ['num_frames', 'fps']],
    ['mp4 from an image model', { output_format: 'mp4' }, sdxl, ['output_format']],
    ['a video job', { num_frames: 33, fps: 16, output_format: 'mp4' }, wan, []],
    ['a Wan clip of its trained 81 frames', { num_frames: 81 }, wan, []],
    ['a Wan clip longer than it was trained on', { num_frames: 85 }, wan, ['num_frames']],
    [
      'a CogVideoX clip longer than 49 frames',
      { num_frames: 57 },
      { ...wan, family: 'cogvideox' },
      ['num_frames'],
    ],
    ['an init image on a video model', { image: IMG }, wan, ['image']],
    ['two videos per job', { num_images: 2 }, wan, ['num_images']],
    ['png from a video model', { output_format: 'png' }, wan, ['output_format']],
    ['a per-request adapter on SDXL', { loras: [{ hf_repo: 'a/b' }] }, sdxl, []],
    ['a per-request adapter on PixArt', { loras: [{ hf_repo: 'a/b' }] }, pixart, ['loras']],
    ['lora_scale without deployment adapters', { lora_scale: 0.5 }, sdxl, ['lora_scale']],
    [
      'lora_scale for each of two deployment adapters',
      { lora_scale: [0.5, 1] },
      { ...sdxl, deploymentLoras: 2 },
      [],
    ],
    [
      'lora_scale with the wrong count',
      { lora_scale: [0.5] },
      { ...sdxl, deploymentLoras: 2 },
      ['lora_scale'],
    ],
  ];
  it.each(cases)('%s', (_name, fields, target, paths) => {
    const input = JobInputSchema.parse({ prompt: 'a cat', ...fields });
    expect(checkJobForDeployment(input, target).map((e) => e.path)).toEqual(paths);
  });
});

describe('JobInputSchema: images, video and adapters', () => {
  it.each([
    ['a mask without an image', { mask: IMG }],
    ['a strength without an image', { strength: 0.5 }],
    ['a strength of 0', { image: IMG, strength: 0 }],
    ['an http image URL', { image: 'http://img.example/cat.png' }],
    ['an image that is neither a URL nor base64', { image: 'not an image at all!' }],
    ['an adapter with both a repo and a URL', { loras: [{ hf_repo: 'a/b', url: IMG }] }],
    [
      'an adapter file that is not safetensors',
      { loras: [{ hf_repo: 'a/b', weight_name: 'x.bin' }] },
    ],
    ['six adapters', { loras: Array.from({ length: 6 }, () => ({ hf_repo: 'a/b' })) }],
    ['an adapter scale of 5', { loras: [{ hf_repo: 'a/b', scale: 5 }] }],
    ['258 frames', { num_frames: 258 }],
  ])('rejects %s', (_name, fields) => {
    expect(JobInputSchema.safeParse({ prompt: 'a cat', ...fields }).success).toBe(false);
  });

  it('accepts a data URL, a per-request adapter from a URL and one from the Hub', () => {
    const parsed = JobInputSchema.parse({
      prompt: 'a cat',
      image: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==',
      loras: [
        { url: 'https://files.example/style.safetensors' },
        { hf_repo: 'org/lora', weight_name: 'pytorch_lora_weights.safetensors', scale: 0.7 },
      ],
    });
    expect(parsed.loras?.map((l) => l.scale)).toEqual([1, 0.7]);
  });
});
