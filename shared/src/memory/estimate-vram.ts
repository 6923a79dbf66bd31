import type { ComponentEstimate, Estimate } from '../schemas/deployment';
import type { ModelSpec } from '../models/model-specs';
import { DTYPE_BYTES } from './safetensors';
import { memoryPlans } from './memory-plan';
import {
  videoActivations,
  videoPeakBytes,
  type VideoActivations,
  type VideoShape,
} from './video-estimate';

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

const GIB = 1024 ** 3;

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
  },
  other: { resolution: 1024, steps: 30, guidance: 7.5, computeDtype: 'F16', maxResolution: 1024 },
};

/** A video family's default size, frames and rate; null for image families. */
export function videoDefaults(family: string): VideoDefaults | null {
  if (!isVideoFamily(family)) return null;
  const { width, height, numFrames, fps, frameRule } = FAMILY_DEFAULTS[family];
  if (!width || !height || !numFrames || !fps || !frameRule) return null;
  return { width, height, numFrames, fps, frameRule };
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

/**
 * Peak activation memory per family at 1024² (one megapixel), batch 1, GiB, including the VAE
 * decode spike that dominates at high resolution (SDXL's VAE decodes upcast to fp32 by default).
 * Scaled linearly in pixel count: attention runs through PyTorch SDPA (memory-efficient kernels).
 */
const ACTIVATION_GIB_PER_MEGAPIXEL: Record<ModelFamily, number> = {
  sd1: 3.2,
  sd2: 3.2,
  sdxl: 3.0,
  sd3: 3.0,
  flux: 3.5,
  pixart: 2.5,
  kandinsky: 3.0,
  // Video families: `estimateVideoVram` (video-estimate.ts) computes their activations instead.
  wan: 3.0,
  cogvideox: 3.0,
  other: 4.0,
};
const MIN_ACTIVATION_GIB = 0.5;

/** CUDA context, cuBLAS/cuDNN workspaces and kernels loaded by torch on first use. */
export const CUDA_CONTEXT_BYTES = 0.75 * GIB;
/** Caching-allocator fragmentation headroom, as a share of weights plus activations. */
export const ALLOCATOR_HEADROOM = 0.1;

/** Peak activation bytes for one square image of `resolution`² at batch 1 (never below 0.5 GiB). */
export function activationBytesFor(family: ModelFamily, resolution: number): number {
  const megapixels = (resolution * resolution) / (1024 * 1024);
  return Math.ceil(
    Math.max(MIN_ACTIVATION_GIB, ACTIVATION_GIB_PER_MEGAPIXEL[family] * megapixels) * GIB,
  );
}

/**
 * The estimator's formula: `vram = weights + activations + CUDA context + 10% × (weights +
 * activations)`. Returns the overhead (context + headroom) and the total, whole bytes.
 */
export function vramFor(
  weightsBytes: number,
  activationBytes: number,
): { overheadBytes: number; vramBytes: number } {
  const overheadBytes = Math.ceil(
    CUDA_CONTEXT_BYTES + ALLOCATOR_HEADROOM * (weightsBytes + activationBytes),
  );
  return { overheadBytes, vramBytes: weightsBytes + activationBytes + overheadBytes };
}

/** One pipeline component as read from its safetensors headers. */
export interface WeightComponent {
  name: string;
  className: string | null;
  /** Dominant stored dtype (safetensors name, e.g. "F32"). */
  dtype: string;
  /** Stored tensor bytes, from the headers. */
  bytes: number;
  params: number;
  files: string[];
}

const FLOAT_DTYPES = new Set(['F64', 'F32', 'F16', 'BF16']);

/**
 * Bytes a component occupies once loaded: float weights are cast to the family's 2-byte compute
 * dtype (params × 2, or stored bytes rescaled when params are unknown); quantized or integer
 * weights (F8, I8, ...) stay as stored.
 */
function residentComponent(c: WeightComponent, computeDtype: 'F16' | 'BF16'): ComponentEstimate {
  const base = { name: c.name, class_name: c.className, params: c.params, files: [...c.files] };
  if (!FLOAT_DTYPES.has(c.dtype)) return { ...base, dtype: c.dtype, bytes: c.bytes };
  const width = DTYPE_BYTES[c.dtype] ?? 4;
  const bytes = c.params > 0 ? c.params * 2 : Math.ceil((c.bytes / width) * 2);
  return { ...base, dtype: computeDtype, bytes };
}

/** Activation margin per deploy-time LoRA adapter (its low-rank products during the forward pass). */
export const LORA_ACTIVATION_MARGIN_BYTES = 64 * 1024 ** 2;

/**
 * Peak VRAM for serving a diffusers pipeline from its header figures (method
 * `safetensors_headers`). Components are reported as loaded (dtype and bytes on the GPU).
 * `resolution` defaults to the model's inference default; video families size their activations
 * from frames × height × width (video-estimate.ts) and list the memory plans a pool may be chosen
 * under. Deploy-time LoRA bytes (`loraBytes`, at the compute dtype) count as weights, plus a small
 * margin per adapter. Pure; does not throw.
 */
export function estimateVram(input: {
  pipelineClass: string | null;
  modelId: string;
  components: readonly WeightComponent[];
  resolution?: number;
  video?: Partial<VideoShape>;
  loras?: readonly { bytes: number }[];
}): Estimate {
  const textEncoder = input.components.find((c) => c.name === 'text_encoder');
  const family = familyOf(input.pipelineClass, input.modelId, textEncoder?.params);
  const components = input.components.map((c) =>
    residentComponent(c, FAMILY_DEFAULTS[family].computeDtype),
  );
  const loras = input.loras ?? [];
  const loraBytes = loras.reduce((sum, l) => sum + l.bytes, 0);
  const weightsBytes = components.reduce((sum, c) => sum + c.bytes, 0) + loraBytes;
  let resolution = input.resolution ?? inferenceDefaults(family, input.modelId).resolution;
  let activationBytes: number;
  let video: VideoActivations | undefined;
  if (isVideoFamily(family)) {
    const transformer = components.find((c) => c.name === 'transformer');
    video = videoActivations(family, transformer?.params ?? 0, input.video);
    resolution = Math.max(video.width, video.height);
    activationBytes = videoPeakBytes(video, family);
  } else {
    activationBytes = activationBytesFor(family, resolution);
  }
  activationBytes += loras.length * LORA_ACTIVATION_MARGIN_BYTES;
  const { overheadBytes, vramBytes } = vramFor(weightsBytes, activationBytes);
  return {
    method: 'safetensors_headers',
    family,
    resolution,
    weights_bytes: weightsBytes,
    activation_bytes: activationBytes,
    overhead_bytes: overheadBytes,
    vram_bytes: vramBytes,
    components,
    ...(loras.length > 0 ? { lora_bytes: loraBytes } : {}),
    ...(video ? { video } : {}),
    memory_plans: memoryPlans({
      family,
      vramBytes,
      weightsBytes,
      largestComponentBytes: Math.max(0, ...components.map((c) => c.bytes)),
      denoiserBytes: components.find((c) => c.name === 'transformer' || c.name === 'unet')?.bytes,
      denoiserActivationBytes: video?.dit_activation_bytes,
    }),
  };
}

function isKnownFamily(family: ModelSpec['family']): family is ModelFamily {
  return (MODEL_FAMILIES as readonly string[]).includes(family);
}

/**
 * An estimate from a registry entry (method `registry`), for when headers cannot be read. The
 * spec's figures are taken as they are; resolution is 0 for models outside the known families.
 */
export function estimateFromSpec(spec: ModelSpec): Estimate {
  const known = isKnownFamily(spec.family);
  const resolution = known ? inferenceDefaults(spec.family as ModelFamily, spec.id).resolution : 0;
  const activationBytes = known
    ? Math.min(
        spec.activationBytes ?? activationBytesFor(spec.family as ModelFamily, resolution),
        spec.vramBytes - spec.weightsBytes,
      )
    : 0;
  return {
    method: 'registry',
    family: spec.family,
    resolution,
    weights_bytes: spec.weightsBytes,
    activation_bytes: Math.max(0, activationBytes),
    overhead_bytes: Math.max(0, spec.vramBytes - spec.weightsBytes - Math.max(0, activationBytes)),
    vram_bytes: spec.vramBytes,
    components: [],
    memory_plans: memoryPlans({
      family: spec.family,
      vramBytes: spec.vramBytes,
      weightsBytes: spec.weightsBytes,
      largestComponentBytes: 0,
    }),
  };
}
