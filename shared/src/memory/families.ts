/**
 * The model families the estimator, the control plane and the worker share: which pipeline class or
 * model id is which family, and each family's inference defaults (exported to the worker as
 * families.json). Kept apart from the estimator so the memory-plan and video modules can read them
 * without an import cycle.
 */
/** The diffusion families the estimator and the worker know; `other` gets cautious defaults. */
export const MODEL_FAMILIES = [
  'sd1',
  'sd2',
  'sdxl',
  'sd3',
  'flux',
  'pixart',
  'kandinsky',
  'wan',
  'cogvideox',
  'other',
] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

/** The families whose pipelines make videos (text-to-video); every other family makes images. */
export const VIDEO_FAMILIES = ['wan', 'cogvideox'] as const;
export type VideoFamily = (typeof VIDEO_FAMILIES)[number];

export function isVideoFamily(family: string): family is VideoFamily {
  return (VIDEO_FAMILIES as readonly string[]).includes(family);
}

/** Text encoders above this many parameters are OpenCLIP-H (SD 2.x, ~340M), below CLIP-L (SD 1.x, ~123M). */
const SD2_TEXT_ENCODER_MIN_PARAMS = 200_000_000;

const CLASS_FAMILIES: readonly (readonly [RegExp, ModelFamily | 'sd1-or-sd2'])[] = [
  [/^Flux/, 'flux'],
  [/^StableDiffusion3/, 'sd3'],
  [/^StableDiffusionXL/, 'sdxl'],
  [/^PixArt/, 'pixart'],
  [/^Kandinsky(?!3)/, 'kandinsky'],
  [/^StableDiffusion(Img2Img|Inpaint)?Pipeline$/, 'sd1-or-sd2'],
  [/^LatentConsistencyModel/, 'sd1-or-sd2'],
  [/^Wan/, 'wan'],
  [/^CogVideoX/, 'cogvideox'],
];

const ID_FAMILIES: readonly (readonly [RegExp, ModelFamily])[] = [
  [/flux/, 'flux'],
  [/stable-diffusion-3|\bsd3/, 'sd3'],
  [/pixart/, 'pixart'],
  [/kandinsky-2/, 'kandinsky'],
  [/sdxl|stable-diffusion-xl/, 'sdxl'],
  [/stable-diffusion-2|sd-turbo|\bsd2/, 'sd2'],
  [/stable-diffusion-v1|stable-diffusion-1|sd-v1|\bsd15|\bsd-1/, 'sd1'],
  [/\bwan2|wan-ai\//, 'wan'],
  [/cogvideox/, 'cogvideox'],
];

function matchId(modelId: string): ModelFamily | undefined {
  const id = modelId.toLowerCase();
  return ID_FAMILIES.find(([re]) => re.test(id))?.[1];
}

/**
 * The family of a diffusers pipeline, from `model_index.json`'s `_class_name`; when that is null,
 * from the model id. `StableDiffusionPipeline` serves SD 1.x and 2.x alike: `textEncoderParams`
 * (the text encoder's parameter count) decides when given, else the model id (stable-diffusion-2*,
 * sd-turbo → sd2), else sd1. A known class outside the families gives `other`.
 */
export function familyOf(
  pipelineClass: string | null,
  modelId: string,
  textEncoderParams?: number | null,
): ModelFamily {
  if (pipelineClass === null) return matchId(modelId) ?? 'other';
  const hit = CLASS_FAMILIES.find(([re]) => re.test(pipelineClass))?.[1];
  if (hit === undefined) return 'other';
  if (hit !== 'sd1-or-sd2') return hit;
  if (textEncoderParams !== undefined && textEncoderParams !== null && textEncoderParams > 0) {
    return textEncoderParams >= SD2_TEXT_ENCODER_MIN_PARAMS ? 'sd2' : 'sd1';
  }
  return matchId(modelId) === 'sd2' ? 'sd2' : 'sd1';
}

/**
 * A video family's job defaults: frame count and rate, the size (height × width, the model card's
 * default), and the frame-count rule the pipeline needs (`4k+1`: Wan's VAE compresses time by 4
 * and keeps the first frame; `8k+1` for CogVideoX's 49 = 6 × 8 + 1 frames).
 */
export interface VideoDefaults {
  width: number;
  height: number;
  numFrames: number;
  fps: number;
  frameRule: '4k+1' | '8k+1';
  /**
   * The longest clip the model was trained on (Wan 2.1: 81 frames; CogVideoX 1.0: 49, "6 seconds
   * at 8 fps" on its card); diffusers runs longer ones off-distribution and at more memory.
   */
  maxFrames: number;
}

/** Video families also carry the VideoDefaults fields (flat, as the worker reads families.json). */
export interface FamilyDefaults extends Partial<VideoDefaults> {
  resolution: number;
  steps: number;
  guidance: number;
  computeDtype: 'F16' | 'BF16';
  maxResolution: number;
}

/**
 * Per-family inference defaults, the dtype the worker loads weights in, and the largest side it
 * serves well. For video families `resolution` is the larger side of the default size. Wan 2.1:
 * 480×832, 81 frames at 16 fps, 50 steps, guidance 5 (model card, `generate.py` defaults);
 * CogVideoX: 480×720, 49 frames at 8 fps, 50 steps, guidance 6 (model card).
 */
export const FAMILY_DEFAULTS: Record<ModelFamily, FamilyDefaults> = {
  sd1: { resolution: 512, steps: 30, guidance: 7.5, computeDtype: 'F16', maxResolution: 1024 },
  sd2: { resolution: 768, steps: 30, guidance: 7.5, computeDtype: 'F16', maxResolution: 1024 },
  sdxl: { resolution: 1024, steps: 30, guidance: 5.0, computeDtype: 'F16', maxResolution: 1536 },
  sd3: { resolution: 1024, steps: 28, guidance: 7.0, computeDtype: 'BF16', maxResolution: 1536 },
  flux: { resolution: 1024, steps: 28, guidance: 3.5, computeDtype: 'BF16', maxResolution: 2048 },
  pixart: { resolution: 1024, steps: 20, guidance: 4.5, computeDtype: 'F16', maxResolution: 2048 },
  kandinsky: {
    resolution: 768,
    steps: 50,
    guidance: 4.0,
    computeDtype: 'F16',
    maxResolution: 1536,
  },
  wan: {
    resolution: 832,
    steps: 50,
    guidance: 5.0,
    computeDtype: 'BF16',
    maxResolution: 1280,
    width: 832,
    height: 480,
    numFrames: 81,
    fps: 16,
    frameRule: '4k+1',
    maxFrames: 81,
  },
  cogvideox: {
    resolution: 720,
    steps: 50,
    guidance: 6.0,
    computeDtype: 'BF16',
    maxResolution: 720,
    width: 720,
    height: 480,
    numFrames: 49,
    fps: 8,
    frameRule: '8k+1',
    maxFrames: 49,
  },
  other: { resolution: 1024, steps: 30, guidance: 7.5, computeDtype: 'F16', maxResolution: 1024 },
};

/** A video family's default size, frames and rate; null for image families. */
export function videoDefaults(family: string): VideoDefaults | null {
  if (!isVideoFamily(family)) return null;
  const { width, height, numFrames, fps, frameRule, maxFrames } = FAMILY_DEFAULTS[family];
  if (!width || !height || !numFrames || !fps || !frameRule || !maxFrames) return null;
  return { width, height, numFrames, fps, frameRule, maxFrames };
}

/**
 * Job defaults for a model: the family's, except for distilled checkpoints found by id
 * (sd-turbo and sdxl-turbo: 1 step at 512², guidance 0; FLUX schnell: 4 steps at 1024², guidance 0;
 * other turbo/lightning/hyper/lcm: 4 steps, guidance 0, the family's resolution) and the 512²
 * SD 2.x "-base" checkpoints.
 */
export function inferenceDefaults(
  family: ModelFamily,
  modelId: string,
): { resolution: number; steps: number; guidance: number } {
  const id = modelId.toLowerCase();
  const base = FAMILY_DEFAULTS[family];
  if (/sd-turbo|sdxl-turbo/.test(id)) return { resolution: 512, steps: 1, guidance: 0 };
  if (id.includes('schnell')) return { resolution: 1024, steps: 4, guidance: 0 };
  if (/turbo|lightning|hyper|lcm/.test(id)) {
    return { resolution: base.resolution, steps: 4, guidance: 0 };
  }
  if (family === 'sd2' && id.includes('base')) return { resolution: 512, steps: 30, guidance: 7.5 };
  return { resolution: base.resolution, steps: base.steps, guidance: base.guidance };
}
