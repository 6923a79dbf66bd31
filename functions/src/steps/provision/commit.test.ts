import type { Deployment } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { commitProvisioned, noCapacityMessage, withRefusals } from './commit';

const at = new Date('2026-11-30T12:00:00.000Z');
const gpu: NonNullable<Deployment['gpu']> = {
  pool: 'AMPERE_16',
  fallback_pools: ['AMPERE_24', 'ADA_24'],
  candidates: ['AMPERE_16', 'AMPERE_24', 'ADA_24', 'AMPERE_48'],
  active_pools: ['AMPERE_16', 'AMPERE_24', 'ADA_24'],
  price_per_hour_usd: 0.5,
  usable_vram_bytes: 15 * 1024 ** 3,
  skipped: [{ pool: 'TURING_16', reason: 'no serverless stock' }],
};
const provisioning = (): Deployment => {
  const doc = aDeployment({ status: 'provisioning', gpu });
  return {
    ...doc,
    runtime: { ...doc.runtime, provision_lease_until: '2026-11-30T12:01:00.000Z', poll_attempt: 4 },
  };
};
const acquired = {
  kind: 'acquired' as const,
  template: { id: 'tpl1', name: 'visgate-x' },
  endpoint: {
    id: 'ep1',
    name: 'visgate-x',
    pools: ['AMPERE_24', 'ADA_24', 'AMPERE_48'],
    workersMin: 1,
    workersMax: 1,
    idleTimeoutS: 5,
    flashboot: true,
    dataCenterIds: [],
    executionTimeoutMs: 600_000,
    minCudaVersion: null,
    runUrl: 'https://api.runpod.ai/v2/ep1/run',
  },
  pools: ['AMPERE_24', 'ADA_24', 'AMPERE_48'],
  refusals: [{ pool: 'AMPERE_16', reason: 'RunPod refused placement: no instances' }],
  runpodCache: 'set' as const,
};

describe('commitProvisioned', () => {
  it('moves to loading with the endpoint, the pools it is on and every refusal recorded', () => {
    const next = commitProvisioned(provisioning(), acquired, at, {
      modelReference: 'https://huggingface.co/m:sha',
      source: 'runpod_cache',
    });
    expect(next).toMatchObject({
      status: 'loading',
      endpoint_id: 'ep1',
      template_id: 'tpl1',
      endpoint_url: 'https://api.runpod.ai/v2/ep1/run',
      gpu: {
        active_pools: ['AMPERE_24', 'ADA_24', 'AMPERE_48'],
        skipped: [
          { pool: 'TURING_16', reason: 'no serverless stock' },
          { pool: 'AMPERE_16', reason: 'RunPod refused placement: no instances' },
        ],
      },
      runtime: {
        provision_lease_until: null,
        poll_attempt: 0,
        loading_started_at: at.toISOString(),
        runpod_model_reference: 'https://huggingface.co/m:sha',
      },
      progress: { stage: 'waiting_for_worker', source: 'runpod_cache' },
    });
  });

  it('records no cached model when RunPod refused it', () => {
    const next = commitProvisioned(
      provisioning(),
      { ...acquired, runpodCache: { refused: 'no' } },
      at,
      { modelReference: 'https://huggingface.co/m:sha', source: null },
    );
    expect(next?.runtime.runpod_model_reference).toBeNull();
  });

  it.each(['deleting', 'failed', 'loading'] as const)(
    'declines when the deployment is %s (deleted, failed or committed meanwhile)',
    (status) => {
      const next = commitProvisioned({ ...provisioning(), status }, acquired, at, {
        modelReference: null,
        source: null,
      });
      expect(next).toBeNull();
    },
  );
});

describe('when RunPod refuses every candidate pool', () => {
  it('keeps what selection skipped and adds each refusal, so the user sees every pool tried', () => {
    const refusals = gpu.candidates.map((pool) => ({ pool, reason: 'RunPod refused placement' }));
    const next = withRefusals(provisioning(), refusals);
    expect(next.gpu?.skipped.map((s) => s.pool)).toEqual(['TURING_16', ...gpu.candidates]);
    expect(noCapacityMessage('stabilityai/sd-turbo', refusals)).toContain(
      'AMPERE_16, AMPERE_24, ADA_24, AMPERE_48',
    );
  });
});
