import { choosePlan, memoryPlans, type MemoryPlan } from '../memory/memory-plan';
import type { Estimate } from '../schemas/deployment';
import { selectGpu, type GpuSelection, type SelectGpuInput } from './select-gpu';

/**
 * Pools for an estimate under the memory plan that costs least: each plan the estimate lists
 * (all on the GPU; for video families also VAE tiling + slicing and model CPU offload) is priced
 * by its cheapest fitting pool, and a heavier plan wins only when strictly cheaper. When no plan
 * gets a pool, the outcome is that of the plan needing least (its `needBytes` names the smallest
 * card that could serve). Estimates without plans are chosen all on the GPU. Pure.
 */
export function selectGpuWithPlan(
  input: Omit<SelectGpuInput, 'needBytes'> & { estimate: Estimate },
): { selection: GpuSelection; plan: MemoryPlan } {
  const { estimate, ...rest } = input;
  const plans: MemoryPlan[] = estimate.memory_plans?.length
    ? estimate.memory_plans
    : memoryPlans({
        family: estimate.family,
        vramBytes: estimate.vram_bytes,
        weightsBytes: estimate.weights_bytes,
        largestComponentBytes: 0,
      }).slice(0, 1);
  const chosen = choosePlan(plans, (needBytes) => {
    const selection = selectGpu({ ...rest, needBytes });
    return selection.kind === 'selected'
      ? { price: selection.pool.pricePerHourUsd, choice: selection }
      : null;
  });
  if (chosen !== null) return { selection: chosen.choice, plan: chosen.plan };
  const least = plans.reduce((a, b) => (b.need_bytes < a.need_bytes ? b : a));
  return { selection: selectGpu({ ...rest, needBytes: least.need_bytes }), plan: least };
}
