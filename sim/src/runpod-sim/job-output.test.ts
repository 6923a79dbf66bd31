import { jobOutput } from './job-output';
import { mp4Facts } from './sim-video';
import { simulatedPng } from './sim-image';

const sdTurbo = {
  VISGATE_MODEL_ID: 'stabilityai/sd-turbo',
  VISGATE_PIPELINE: 'StableDiffusionPipeline',
  VISGATE_TASK: 'image-to-image',
};
const pixart = {
  VISGATE_MODEL_ID: 'PixArt-alpha/PixArt-XL-2-512x512',
  VISGATE_PIPELINE: 'PixArtAlphaPipeline',
  VISGATE_TASK: 'text-to-image',
};
const wan = {
  VISGATE_MODEL_ID: 'Wan-AI/Wan2.1-T2V-1.3B-Diffusers',
  VISGATE_PIPELINE: 'WanPipeline',
  VISGATE_TASK: 'text-to-video',
};
const png = (w: number, h: number) => simulatedPng(w, h, 'init', 1).toString('base64');
const URL_IMAGE = 'https://img.example/cat.png';

type Output = {
  images?: { width: number; height: number; base64: string }[];
  video?: Record<string, unknown> & { base64: string };
  loras?: Record<string, unknown>[];
};
const run = (
  input: Record<string, unknown>,
  env: Record<string, string>,
  cache = new Set<string>(),
) => jobOutput({ prompt: 'p', ...input }, 10, env, cache);
const ok = (r: ReturnType<typeof run>): Output => {
  if ('error' in r) throw new Error(r.error);
  return r.output as Output;
};

describe('the simulated worker refuses what the real worker refuses', () => {
  it.each([
    ['a mask without an image', { mask: URL_IMAGE }, sdTurbo, 'invalid_input', 'mask'],
    ['strength without an image', { strength: 0.5 }, sdTurbo, 'invalid_input', 'strength'],
    ['an unknown field', { colour: 'red' }, sdTurbo, 'invalid_input', 'colour'],
    ['frames on an image model', { num_frames: 33 }, sdTurbo, 'invalid_input', 'num_frames'],
    ['image-to-image on PixArt', { image: URL_IMAGE }, pixart, 'invalid_input', 'image'],
    [
      'one step at strength 0.5 (the worker: no step would run)',
      { image: URL_IMAGE, num_inference_steps: 1, strength: 0.5 },
      sdTurbo,
      'invalid_input',
      'strength',
    ],
    ['an init image on a video model', { image: URL_IMAGE }, wan, 'invalid_input', 'image'],
    ['png from a video model', { output_format: 'png' }, wan, 'invalid_input', 'output_format'],
    ['Wan frames that are not 4k+1', { num_frames: 32 }, wan, 'invalid_input', '29 or 33'],
    ['a side above the family limit', { width: 2048 }, sdTurbo, 'invalid_input', 'width'],
    ['a Wan side above 1280', { width: 1296 }, wan, 'invalid_input', 'width'],
    ['a Wan side off its 16-pixel grid', { width: 840 }, wan, 'invalid_input', 'width'],
    [
      'the same adapter twice',
      { loras: [{ hf_repo: 'org/a' }, { hf_repo: 'org/a', scale: 0.5 }] },
      sdTurbo,
      'invalid_input',
      'loras',
    ],
    [
      'base64 that is not an image',
      { image: 'QUJDREVGR0hJSktMTU5PUA==' },
      sdTurbo,
      'image_invalid',
      'image',
    ],
    [
      'lora_scale without deployment adapters',
      { lora_scale: 0.5 },
      sdTurbo,
      'invalid_input',
      'lora_scale',
    ],
  ])('%s', (_name, input, env, code, mentions) => {
    const r = run(input, env);
    expect('error' in r).toBe(true);
    const error = JSON.parse((r as { error: string }).error) as { code: string; message: string };
    expect(error.code).toBe(code);
    expect(error.message).toContain(mentions);
  });
});

describe('image kinds', () => {
  it('makes image-to-image output at the init image size, floored to the family alignment', () => {
    const out = ok(run({ image: png(100, 60), strength: 0.5 }, sdTurbo));
    expect(out.images!.map((i) => [i.width, i.height])).toEqual([[96, 56]]);
    const bytes = Buffer.from(out.images![0]!.base64, 'base64');
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([96, 56]);
    expect(out.loras).toBeUndefined();
  });

  it('scales a large init image down to the family limit, and keeps an explicit size', () => {
    expect(ok(run({ image: png(2000, 1000) }, sdTurbo)).images![0]).toMatchObject({
      width: 1024,
      height: 512,
    });
    const sized = ok(
      run({ image: png(2000, 1000), mask: png(2000, 1000), width: 64, height: 64 }, sdTurbo),
    );
    expect(sized.images![0]).toMatchObject({ width: 64, height: 64 });
  });

  it("makes the model's default size when the job names none, as the worker does", () => {
    const sdxl = {
      VISGATE_MODEL_ID: 'stabilityai/stable-diffusion-xl-base-1.0',
      VISGATE_PIPELINE: 'StableDiffusionXLPipeline',
      VISGATE_TASK: 'text-to-image',
    };
    expect(ok(run({}, sdxl)).images![0]).toMatchObject({ width: 1024, height: 1024 });
    expect(ok(run({}, sdTurbo)).images![0]).toMatchObject({ width: 512, height: 512 });
  });

  it('reports request adapters: a miss the first time on an endpoint, a hit after', () => {
    const cache = new Set<string>();
    const loras = [
      { hf_repo: 'org/pixel-art', scale: 0.7 },
      { url: 'https://cdn.example/a/b.safetensors?sig=x' },
    ];
    const first = ok(run({ loras }, sdTurbo, cache)).loras!;
    const second = ok(run({ loras }, sdTurbo, cache)).loras!;
    expect(first.map((l) => [l.source, l.scale, l.cache_hit])).toEqual([
      ['request', 0.7, false],
      ['request', 1, false],
    ]);
    // Named as the worker names them: req_ and 16 hex digits, one name per adapter.
    expect(first.map((l) => l.name)).toEqual([
      expect.stringMatching(/^req_[0-9a-f]{16}$/),
      expect.stringMatching(/^req_[0-9a-f]{16}$/),
    ]);
    expect(new Set(first.map((l) => l.name)).size).toBe(2);
    expect(second.map((l) => [l.name, l.cache_hit])).toEqual(first.map((l) => [l.name, true]));
  });

  it("reports the deployment's own adapters with the job's lora_scale", () => {
    const env = { ...sdTurbo, VISGATE_LORAS: JSON.stringify([{ name: 'lora_0', scale: 1 }]) };
    expect(ok(run({ lora_scale: 0.25 }, env)).loras).toEqual([
      { name: 'lora_0', source: 'deployment', scale: 0.25, cache_hit: true, load_s: 0 },
    ]);
  });
});

describe('text-to-video', () => {
  it('returns a real H.264 MP4 and describes it as it is', () => {
    const out = ok(run({ num_frames: 33, fps: 16, seed: 3 }, wan));
    const bytes = Buffer.from(out.video!.base64, 'base64');
    expect(bytes.toString('latin1', 4, 8)).toBe('ftyp');
    expect(bytes.includes(Buffer.from('avc1'))).toBe(true);
    // The bundled clip (worker/scripts/make-sim-video.py): 17 frames (4k+1, as Wan makes them),
    // 96×64 at 16 fps, read from its own boxes.
    expect(mp4Facts(bytes)).toMatchObject({ width: 96, height: 64, frames: 17, fps: 16 });
    expect(out.video).toMatchObject({
      content_type: 'video/mp4',
      seed: 3,
      width: 96,
      height: 64,
      frames: 17,
      fps: 16,
    });
    expect(out.video!.duration_s).toBeCloseTo(17 / 16, 3);
  });

  it('answers an MP4 on any text-to-video endpoint, whatever its pipeline class', () => {
    const out = ok(run({}, { ...wan, VISGATE_PIPELINE: '' }));
    expect(out.images).toBeUndefined();
    expect(out.video).toMatchObject({ content_type: 'video/mp4' });
  });
});
