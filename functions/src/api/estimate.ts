import { AppError, selectGpuWithPlan, type EstimateResult } from '@visgate/shared';
import type { Deps } from '../deps';
import { parseDeploymentRequest } from './parse-request';
import { allowedPools } from '../steps/select-gpu/select-gpu';
import { assessModel } from '../steps/validate/assess-model';

export type EstimateDeps = Pick<Deps, 'config' | 'hub' | 'catalog'>;

const GIB = 1024 ** 3;

/**
 * POST /v1/estimates: the validate and selection steps run synchronously on a deployment body —
 * Hub facts, task, adapters, VRAM estimate, chosen pool and memory plan with fallbacks and $/h —
 * creating nothing.
 */
export function createEstimate(deps: EstimateDeps) {
  return async function estimate(input: {
    apiKey: string;
    body: unknown;
  }): Promise<EstimateResult> {
    const req = parseDeploymentRequest(input.body, { allowPrivateWebhookHosts: true });
    const report = await deps.hub.inspect(req.hfModelId, {
      revision: req.revision,
      token: req.secrets.hfToken,
    });
    const {
      task,
      loras,
      estimate: est,
    } = await assessModel(deps.hub, report, {
      modelId: req.hfModelId,
      task: req.task,
      loras: req.loras,
      token: req.secrets.hfToken,
    });
    const { pools, live } = await deps.catalog.pools(input.apiKey);
    const { allowed, keepOrder } = allowedPools(req.settings, pools);
    const { selection: choice, plan } = selectGpuWithPlan({
      estimate: est,
      pools,
      allowed,
      keepAllowedOrder: keepOrder,
    });
    if (choice.kind === 'none-fits') {
      throw new AppError(
        'MODEL_TOO_LARGE',
        `${req.hfModelId} needs about ${(choice.needBytes / GIB).toFixed(1)} GiB; the largest ${allowed ? 'requested ' : ''}pool offers ${(choice.largestUsableBytes / GIB).toFixed(1)} GiB`,
        {
          details: {
            need_bytes: choice.needBytes,
            largest_usable_bytes: choice.largestUsableBytes,
            skipped: choice.skipped,
          },
        },
      );
    }
    if (choice.kind === 'no-stock') {
      throw new AppError(
        'NO_CAPACITY',
        `every pool that fits ${req.hfModelId} is out of serverless stock right now`,
        {
          details: { need_bytes: choice.needBytes, skipped: choice.skipped },
        },
      );
    }
    return {
      hf_model_id: req.hfModelId,
      revision_sha: report.revisionSha,
      pipeline: report.pipelineClass,
      task,
      loras,
      model: {
        gated: report.gated,
        private: report.private,
        total_file_bytes: report.totalFileBytes,
      },
      estimate: est,
      gpu: {
        pool: choice.pool.id,
        fallback_pools: choice.fallbacks.map((p) => p.id),
        price_per_hour_usd: choice.pool.pricePerHourUsd,
        usable_vram_bytes: choice.pool.usableBytes,
        skipped: choice.skipped,
        memory_plan: plan,
      },
      catalog: live ? 'live' : 'static',
    };
  };
}
