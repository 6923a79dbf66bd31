import { transition, type Deployment, type SkippedPool } from '@visgate/shared';
import { stage } from '../lifecycle';
import type { Acquisition } from './acquire';

type Acquired = Extract<Acquisition, { kind: 'acquired' }>;

/**
 * The deployment once its endpoint exists: `loading`, with the endpoint, the pools it ended up on
 * (refusals added to the skipped table), the lease given back and the poll chain reset. Null when
 * the deployment is no longer `provisioning` (deleted, failed, or another attempt committed).
 */
export function commitProvisioned(
  d: Deployment,
  acquired: Acquired,
  at: Date,
  facts: { modelReference: string | null; source: string | null },
): Deployment | null {
  if (d.status !== 'provisioning' || !d.gpu) return null;
  const cacheSet = acquired.runpodCache === 'set' && facts.modelReference !== null;
  const refused = withRefusals(d, acquired.refusals);
  return {
    ...transition(refused, 'loading', at),
    endpoint_id: acquired.endpoint.id,
    template_id: acquired.template.id,
    endpoint_url: acquired.endpoint.runUrl,
    gpu: refused.gpu && { ...refused.gpu, active_pools: acquired.pools },
    timings: { ...d.timings, provisioned_at: at.toISOString() },
    runtime: {
      ...d.runtime,
      loading_started_at: at.toISOString(),
      poll_attempt: 0,
      provision_lease_until: null,
      runpod_model_reference: cacheSet ? facts.modelReference : null,
    },
    progress: {
      ...stage(d, 'waiting_for_worker', at),
      source: facts.source ?? d.progress.source,
    },
  };
}

/**
 * Records RunPod's placement refusals in the skipped table, so a deployment that ends with
 * NO_CAPACITY shows each pool that was tried and what RunPod answered.
 */
export function withRefusals(d: Deployment, refusals: readonly SkippedPool[]): Deployment {
  if (!d.gpu) return d;
  return {
    ...d,
    gpu: { ...d.gpu, skipped: [...d.gpu.skipped, ...refusals] },
  };
}

/** The user-facing message when every candidate pool refused placement. */
export function noCapacityMessage(modelId: string, refusals: readonly SkippedPool[]): string {
  const pools = refusals.map((r) => r.pool).join(', ');
  return `RunPod refused to place a worker for ${modelId} on every candidate pool (${pools}); retry later or allow other pools (gpu.skipped lists each refusal)`;
}
