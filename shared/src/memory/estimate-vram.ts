export * from './families';
export { CUDA_CONTEXT_BYTES } from './memory-plan';
import type { ComponentEstimate, Estimate } from '../schemas/deployment';
import type { ModelSpec } from '../models/model-specs';
import { DTYPE_BYTES } from './safetensors';
import { CUDA_CONTEXT_BYTES, memoryPlans } from './memory-plan';
import {
  FAMILY_DEFAULTS,
  MODEL_FAMILIES,
  familyOf,
  inferenceDefaults,
  isVideoFamily,
  type ModelFamily,
} from './families';

const GIB = 1024 ** 3;
import {
  videoActivations,
  videoPeakBytes,
  type VideoActivations,
  type VideoShape,
} from './video-estimate';

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
    memory_plans:
      spec.memoryPlans ??
      memoryPlans({
        family: spec.family,
        vramBytes: spec.vramBytes,
        weightsBytes: spec.weightsBytes,
        largestComponentBytes: 0,
      }),
  };
}
