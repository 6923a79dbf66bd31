import { AppError, type Deployment } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { anEndpointSpec, createFakeRunPodApi } from '../../../test-support/fake-runpod-api';
import { createMemoryPorts, heldSecrets } from '../../../test-support/memory-ports';
import { guardCost } from './guard-cost';

const KEY = 'rpa_test';
const ID = 'dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa';
const created = new Date('2026-11-27T12:00:00.000Z');
const at = (s: number): Date => new Date(created.getTime() + s * 1000);

/**
 * A ready deployment on a $3.60/h pool ($0.001 a second) with one worker up since creation, its
 * RunPod key held, behind real in-memory adapters and the fake RunPod port.
 */
async function world(
  settings: { budgetUsd?: number; ttlS?: number } = {},
  key: string | null = KEY,
) {
  const rp = createFakeRunPodApi();
  const runpod = rp.api;
  const { store, secrets, log, bus, published } = createMemoryPorts(created);
  const tpl = await runpod.createTemplate(KEY, {
    name: `visgate-${ID}`,
    image: 'x',
    diskGb: 20,
    env: {},
  });
  const ep = await runpod.createEndpoint(
    KEY,
    anEndpointSpec(`visgate-${ID}`, tpl.id, { workersMin: 1 }),
  );
  rp.workers.set(ep.id, [
    { id: 'w1', status: 'RUNNING', gpuTypeId: null, startedAt: created.toISOString() },
  ]);
  const base = aDeployment({
    deployment_id: ID,
    status: 'ready',
    endpoint_id: ep.id,
    template_id: tpl.id,
  });
  const doc: Deployment = {
    ...base,
    gpu: {
      pool: 'AMPERE_16',
      fallback_pools: [],
      candidates: ['AMPERE_16'],
      active_pools: ['AMPERE_16'],
      price_per_hour_usd: 3.6,
      usable_vram_bytes: 15e9,
      skipped: [],
    },
    settings: {
      ...base.settings,
      budget_usd: settings.budgetUsd ?? null,
      ttl_s: settings.ttlS ?? null,
    },
    timings: { ...base.timings, provisioned_at: created.toISOString() },
  };
  await store.create(doc);
  if (key) await secrets.put(ID, heldSecrets(key));
  return { deps: { runpod, store, secrets, log, bus }, rp, doc, published };
}

describe('guardCost', () => {
  it('records the spend of a deployment within its limits and leaves it running', async () => {
    const { deps, doc, published } = await world({ budgetUsd: 1 });
    expect(await guardCost(deps, doc, at(600))).toBeNull();
    const after = await deps.store.get(ID);
    expect(after).toMatchObject({ status: 'ready', cost: { spent_usd: 0.6 } });
    expect(after?.runtime.cost_checked_at).toBe(at(600).toISOString());
    expect(published).toEqual([]);
  });

  it.each<[string, { budgetUsd?: number; ttlS?: number }, string]>([
    ['budget', { budgetUsd: 0.5 }, 'deletedBudget'],
    ['ttl', { ttlS: 300 }, 'deletedTtl'],
  ])('deletes a deployment past its %s and publishes its teardown', async (_l, settings, field) => {
    const { deps, doc, published } = await world(settings);
    expect(await guardCost(deps, doc, at(600))).toBe(field);
    expect((await deps.store.get(ID))?.status).toBe('deleting');
    expect(published).toEqual([['deployment-teardown', ID]]);
  });

  it('skips a deployment for one cycle when RunPod cannot list its workers, and says why', async () => {
    const { deps, rp, doc, published } = await world({ budgetUsd: 0.5 });
    rp.fail('listWorkers', new AppError('RUNPOD_AUTH', 'revoked'));
    expect(await guardCost(deps, doc, at(600))).toBeNull();
    expect(await deps.store.get(ID)).toMatchObject({ status: 'ready', cost: { spent_usd: 0 } });
    expect(published).toEqual([]);
    expect(deps.log.lines.join('\n')).toMatch(/cost check failed.*RUNPOD_AUTH/);
  });

  it('does not ask RunPod about a deployment whose key is gone', async () => {
    const { deps, rp, doc } = await world({ budgetUsd: 0.5 }, null);
    expect(await guardCost(deps, doc, at(600))).toBeNull();
    expect(rp.calls).not.toContain(`listWorkers ${doc.endpoint_id}`);
  });

  it('does not delete a deployment paused since the reaper read it', async () => {
    const { deps, doc, published } = await world({ budgetUsd: 0.5 });
    await deps.store.mutate(ID, (d) => ({ ...d, status: 'paused' }));
    expect(await guardCost(deps, doc, at(600))).toBeNull();
    expect((await deps.store.get(ID))?.status).toBe('paused');
    expect(published).toEqual([]);
  });
});
