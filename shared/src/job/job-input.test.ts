import {
  JobInputSchema,
  USAGE_EXAMPLE_PROMPT,
  jobInputJsonSchema,
  USAGE_EXAMPLE_IMAGE_URL,
  USAGE_EXAMPLE_MASK_URL,
  usageExample,
} from './job-input';
import { checkJobForDeployment, type JobTarget } from './job-kind';

const video: JobTarget = { video: true, family: 'wan', deploymentLoras: 0 };

describe('JobInputSchema', () => {
  it('fills defaults for a bare prompt', () => {
    expect(JobInputSchema.parse({ prompt: 'a cat' })).toEqual({
      prompt: 'a cat',
      num_images: 1,
      output: { type: 'base64' },
    });
  });

  it('accepts every field at its limits', () => {
    const input = {
      prompt: 'p'.repeat(2000),
      negative_prompt: 'blurry',
      num_inference_steps: 150,
      guidance_scale: 30,
      width: 2048,
      height: 64,
      seed: 2 ** 32 - 1,
      num_images: 4,
      output_format: 'webp',
      output: {
        type: 's3',
        put_urls: ['https://a/1', 'https://a/2', 'https://a/3', 'https://a/4'],
      },
    };
    expect(JobInputSchema.parse(input)).toEqual(input);
  });

  it.each([
    ['no prompt', { prompt: undefined }],
    ['an empty prompt', { prompt: '' }],
    ['a 2001-character prompt', { prompt: 'p'.repeat(2001) }],
    ['0 steps', { num_inference_steps: 0 }],
    ['151 steps', { num_inference_steps: 151 }],
    ['fractional steps', { num_inference_steps: 2.5 }],
    ['negative guidance', { guidance_scale: -1 }],
    ['guidance above 30', { guidance_scale: 30.5 }],
    ['a width not a multiple of 8', { width: 513 }],
    ['a width below 64', { width: 56 }],
    ['a height above 2048', { height: 2056 }],
    ['a negative seed', { seed: -1 }],
    ['a seed above 2^32-1', { seed: 2 ** 32 }],
    ['5 images', { num_images: 5 }],
    ['a gif output format', { output_format: 'gif' }],
    ['an unknown key', { sampler: 'euler' }],
    ['an unknown output type', { output: { type: 'gcs' } }],
    ['s3 output without URLs', { output: { type: 's3', put_urls: [] } }],
    ['s3 output with a non-http URL', { output: { type: 's3', put_urls: ['ftp://x/y'] } }],
    [
      'fewer URLs than images',
      { num_images: 2, output: { type: 's3', put_urls: ['https://a/1'] } },
    ],
  ])('rejects %s', (_case, patch) => {
    expect(JobInputSchema.safeParse({ prompt: 'a cat', ...patch }).success).toBe(false);
  });
});

describe('jobInputJsonSchema', () => {
  it('describes the input a client sends, with prompt required and no extra keys', () => {
    const schema = jobInputJsonSchema();
    expect(schema.required).toEqual(['prompt']);
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('usageExample', () => {
  it.each([
    ['sd2', 'stabilityai/sd-turbo', 1, 0, 512],
    ['flux', 'black-forest-labs/FLUX.1-dev', 28, 3.5, 1024],
    ['flux', 'black-forest-labs/FLUX.1-schnell', 4, 0, 1024],
    ['sdxl', 'stabilityai/stable-diffusion-xl-base-1.0', 30, 5, 1024],
  ] as const)(
    'builds a %s request for %s with its defaults',
    (family, modelId, steps, guidance, size) => {
      const ex = usageExample({ endpointUrl: 'https://api.runpod.ai/v2/abc/', family, modelId });
      expect(ex.method).toBe('POST');
      expect(ex.url).toBe('https://api.runpod.ai/v2/abc/runsync');
      expect(ex.headers).toEqual({
        Authorization: 'Bearer <YOUR_RUNPOD_API_KEY>',
        'Content-Type': 'application/json',
      });
      expect(ex.body.input).toMatchObject({
        prompt: USAGE_EXAMPLE_PROMPT,
        num_inference_steps: steps,
        guidance_scale: guidance,
        width: size,
        height: size,
      });
      expect(JobInputSchema.parse(ex.body.input)).toEqual(ex.body.input);
    },
  );
});

describe('usageExample per task', () => {
  const endpointUrl = 'https://api.runpod.ai/v2/abc';
  it('asks a video deployment for an MP4 with frames and fps, and no image fields', () => {
    const wan = usageExample({
      endpointUrl,
      family: 'other',
      modelId: 'Wan-AI/Wan2.1-T2V-1.3B-Diffusers',
      task: 'text-to-video',
    }).body.input;
    expect(wan).toMatchObject({ num_frames: 81, fps: 16, output_format: 'mp4', num_images: 1 });
    expect(wan).not.toHaveProperty('image');
    expect(JobInputSchema.parse(wan)).toEqual(wan);
    expect(checkJobForDeployment(JobInputSchema.parse(wan), video)).toEqual([]);
  });

  it.each([
    ['image-to-image', { strength: 0.8 }, ['mask']],
    ['inpainting', { mask: USAGE_EXAMPLE_MASK_URL, strength: 1 }, []],
  ] as const)('starts %s from a placeholder https image', (task, extra, absent) => {
    const input = usageExample({ endpointUrl, family: 'sdxl', modelId: 'x/sdxl', task }).body.input;
    expect(input).toMatchObject({ image: USAGE_EXAMPLE_IMAGE_URL, output_format: 'png', ...extra });
    expect(input.image).toMatch(/^https:\/\//);
    for (const key of absent) expect(input).not.toHaveProperty(key);
    expect(input).not.toHaveProperty('num_frames');
    const parsed = JobInputSchema.parse(input);
    expect(checkJobForDeployment(parsed, { ...video, video: false, family: 'sdxl' })).toEqual([]);
  });
});
