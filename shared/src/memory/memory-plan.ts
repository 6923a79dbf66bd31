import { FAMILY_DEFAULTS, isVideoFamily } from './families';

/** CUDA context, cuBLAS/cuDNN workspaces and kernels loaded by torch on first use. */
export const CUDA_CONTEXT_BYTES = 0.75 * 1024 ** 3;

/**
 * How the worker places a model on a card: the shape of the worker's `MemoryPlan`
 * (worker/src/visgate_worker/memory_plan.py) less the device, plus the bytes the plan needs.
 * `offload` is "none", "model" (diffusers `enable_model_cpu_offload`: one component on the GPU at a
 * time) or "sequential" (never chosen here: too slow to serve).
 */
export interface MemoryPlan {
  dtype: 'float16' | 'bfloat16';
  vae_slicing: boolean;
  vae_tiling: boolean;
  offload: 'none' | 'model' | 'sequential';
  fits: boolean;
  reason: string;
  /** GPU memory this plan needs for one default-size job. */
  need_bytes: number;
}

/**
 * Share of the activations kept when VAE tiling + slicing are on; the worker's
 * `_TILED_ACTIVATION_SHARE`, so both sides reach the same plan from the same numbers.
 */
export const TILED_ACTIVATION_SHARE = 0.35;

/**
 * The plans a deployment could run under, lightest first, each with the memory it needs. The
 * thresholds restate the worker's `plan_memory` tiers: all on the GPU (`vramBytes`); VAE tiling
 * and slicing when only the activations are short (`weights + 35 % of the rest`); model CPU
 * offload when the weights are short (the largest component, at least half the weights, plus the
 * tiled activations; at least the denoiser with its activations). A plan
 * needing more than the worker's threshold is safe: the worker then picks the same plan or a
 * lighter one. Only video families get the lighter plans when choosing a pool: image models
 * keep the all-on-GPU plan (the worker still falls back at run time when free memory is short).
 */
export function memoryPlans(input: {
  family: string;
  vramBytes: number;
  weightsBytes: number;
  largestComponentBytes: number;
  /**
   * The denoiser's weights (transformer or UNet) and activation peak (video: the DiT's), when
   * known: under model offload the denoiser and its activations are on the card together, which can
   * need more than the tiers' share rule.
   */
  denoiserBytes?: number;
  denoiserActivationBytes?: number;
}): MemoryPlan[] {
  const defaults = (FAMILY_DEFAULTS as Partial<Record<string, { computeDtype: string }>>)[
    input.family
  ];
  const dtype = defaults?.computeDtype === 'BF16' ? 'bfloat16' : 'float16';
  const weights = Math.min(input.weightsBytes, input.vramBytes);
  const rest = input.vramBytes - weights;
  const tiled = Math.ceil(rest * TILED_ACTIVATION_SHARE);
  const plans: MemoryPlan[] = [
    {
      dtype,
      vae_slicing: false,
      vae_tiling: false,
      offload: 'none',
      fits: true,
      reason: 'all on the GPU',
      need_bytes: input.vramBytes,
    },
  ];
  if (!isVideoFamily(input.family)) return plans;
  plans.push({
    dtype,
    vae_slicing: true,
    vae_tiling: true,
    offload: 'none',
    fits: true,
    reason: 'VAE tiling + slicing: the decode peak shrinks to fit a cheaper card',
    need_bytes: weights + tiled,
  });
  const resident = Math.max(input.largestComponentBytes, Math.ceil(weights / 2));
  if (resident < weights) {
    plans.push({
      dtype,
      vae_slicing: true,
      vae_tiling: true,
      offload: 'model',
      fits: true,
      reason: 'model CPU offload: one component on the GPU at a time, for a cheaper card',
      need_bytes: Math.max(
        resident + tiled,
        (input.denoiserBytes ?? 0) + (input.denoiserActivationBytes ?? 0) + CUDA_CONTEXT_BYTES,
      ),
    });
  }
  return plans;
}

/**
 * Chooses the plan whose cheapest fitting pool costs least, given a way to price a need (null when
 * nothing fits). A heavier plan (slower jobs) is chosen only when it is strictly cheaper.
 */
export function choosePlan<T>(
  plans: readonly MemoryPlan[],
  price: (needBytes: number) => { price: number; choice: T } | null,
): { plan: MemoryPlan; choice: T } | null {
  let best: { plan: MemoryPlan; choice: T; price: number } | null = null;
  for (const plan of plans) {
    const p = price(plan.need_bytes);
    if (p !== null && (best === null || p.price < best.price)) {
      best = { plan, choice: p.choice, price: p.price };
    }
  }
  return best === null ? null : { plan: best.plan, choice: best.choice };
}
