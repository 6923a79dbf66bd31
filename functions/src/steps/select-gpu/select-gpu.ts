import {
  AppError,
  resolveGpuTier,
  selectGpuWithPlan,
  transition,
  type Deployment,
  type GpuPool,
} from '@visgate/shared';
import type { Deps } from '../../deps';
import { defineStep } from '../define-step';
import { stage } from '../lifecycle';

export type SelectGpuDeps = Pick<
  Deps,
  'config' | 'store' | 'secrets' | 'catalog' | 'bus' | 'tasks' | 'clock' | 'log'
>;

const GIB = 1024 ** 3;

/** The pool ids a deployment is narrowed to, and whether the user's order is the priority. */
export function allowedPools(
  settings: Deployment['settings'],
  pools: readonly GpuPool[],
): { allowed: string[] | null; keepOrder: boolean } {
  if (settings.gpu_pools) return { allowed: settings.gpu_pools, keepOrder: true };
  if (settings.gpu_tier)
    return { allowed: resolveGpuTier(settings.gpu_tier, pools) ?? [], keepOrder: false };
  return { allowed: null, keepOrder: false };
}

/**
 * Step 2: picks the cheapest pool with stock whose smallest card fits the estimate (under the
 * memory plan that costs least), plus up to two fallbacks, from the live catalog. "Too big" and "no stock" are permanent failures with their codes.
 */
export function createSelectGpu(deps: SelectGpuDeps) {
  return defineStep(
    deps,
    {
      name: 'select_gpu',
      status: ['selecting_gpu'],
      onPast: async (doc) => {
        if (doc.status === 'provisioning')
          await deps.bus.publish('deployment-provision', { deployment_id: doc.deployment_id });
      },
    },
    async (doc, secrets) => {
      const id = doc.deployment_id;
      if (!doc.estimate) return;
      const { pools } = await deps.catalog.pools(secrets?.runpodApiKey ?? null);
      const { allowed, keepOrder } = allowedPools(doc.settings, pools);
      // Keep more candidates than RunPod's three so capacity failover has somewhere to go. Video
      // models may take VAE tiling or CPU offload when that lets a cheaper pool fit.
      const { selection: choice, plan } = selectGpuWithPlan({
        estimate: doc.estimate,
        pools,
        allowed,
        keepAllowedOrder: keepOrder,
        maxFallbacks: 5,
      });
      const need = choice.kind === 'selected' ? plan.need_bytes : choice.needBytes;
      const narrowed = allowed === null ? '' : ` among the requested pools (${allowed.join(', ')})`;

      switch (choice.kind) {
        case 'none-fits':
          throw new AppError(
            'MODEL_TOO_LARGE',
            `${doc.hf_model_id} needs about ${(need / GIB).toFixed(1)} GiB of GPU memory; the largest pool${narrowed} offers ${(choice.largestUsableBytes / GIB).toFixed(1)} GiB`,
          );
        case 'no-stock':
          throw new AppError(
            'NO_CAPACITY',
            `every pool that fits ${doc.hf_model_id}${narrowed} is out of serverless stock right now; retry later or allow other pools`,
          );
        case 'selected':
          break;
      }

      const at = deps.clock.now();
      const candidates = [choice.pool, ...choice.fallbacks];
      const written = await deps.store.mutate(id, (d) => {
        if (d.status !== 'selecting_gpu') return null;
        return {
          ...transition(d, 'provisioning', at),
          gpu: {
            pool: choice.pool.id,
            fallback_pools: choice.fallbacks.slice(0, 2).map((p) => p.id),
            candidates: candidates.map((p) => p.id),
            active_pools: candidates.slice(0, 3).map((p) => p.id),
            price_per_hour_usd: choice.pool.pricePerHourUsd,
            usable_vram_bytes: choice.pool.usableBytes,
            skipped: choice.skipped,
            memory_plan: plan,
          },
          cost: { ...d.cost, price_per_hour_usd: choice.pool.pricePerHourUsd },
          timings: { ...d.timings, gpu_selected_at: at.toISOString() },
          progress: stage(d, 'provisioning', at),
        };
      });
      if (written) {
        deps.log.info('gpu selected', {
          deployment_id: id,
          pool: choice.pool.id,
          fallbacks: written.gpu?.fallback_pools,
          memory_plan: plan.reason,
        });
        await deps.bus.publish('deployment-provision', { deployment_id: id });
      }
    },
  );
}
