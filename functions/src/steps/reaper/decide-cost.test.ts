import { type Deployment } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import type { RunPodWorker } from '../../ports';
import { accruedSpendUsd, decideCost, recordCostCheck, type CostCheck } from './decide-cost';

const created = new Date('2026-11-27T12:00:00.000Z');
const at = (s: number): Date => new Date(created.getTime() + s * 1000);
const iso = (s: number): string => at(s).toISOString();

/** A ready deployment on a $3.60/h pool ($0.001 a second), provisioned a minute after creation. */
function ready(over: {
  ttlS?: number | null;
  budgetUsd?: number | null;
  spentUsd?: number;
  checkedAtS?: number | null;
}): Deployment {
  const doc = aDeployment({ status: 'ready', endpoint_id: 'ep1' });
  return {
    ...doc,
    gpu: {
      pool: 'AMPERE_16',
      fallback_pools: [],
      candidates: ['AMPERE_16'],
      active_pools: ['AMPERE_16'],
      price_per_hour_usd: 3.6,
      usable_vram_bytes: 15e9,
      skipped: [],
    },
    settings: { ...doc.settings, ttl_s: over.ttlS ?? null, budget_usd: over.budgetUsd ?? null },
    cost: { ...doc.cost, spent_usd: over.spentUsd ?? 0 },
    timings: { ...doc.timings, provisioned_at: iso(60) },
    runtime: {
      ...doc.runtime,
      cost_checked_at: over.checkedAtS == null ? null : iso(over.checkedAtS),
    },
  };
}

const worker = (status: RunPodWorker['status'], startedAtS: number | null): RunPodWorker => ({
  id: `w-${status}-${startedAtS}`,
  status,
  gpuTypeId: null,
  startedAt: startedAtS === null ? null : iso(startedAtS),
});

describe('accruedSpendUsd', () => {
  it.each<[string, Deployment, RunPodWorker[], number, number]>([
    ['no workers cost nothing', ready({}), [], 660, 0],
    [
      'one worker up since provisioning bills the whole window',
      ready({}),
      [worker('IDLE', 0)],
      660,
      0.6,
    ],
    [
      'a worker that started later bills from its start',
      ready({}),
      [worker('RUNNING', 560)],
      660,
      0.1,
    ],
    [
      'a worker with no start time bills the whole window',
      ready({}),
      [worker('INITIALIZING', null)],
      660,
      0.6,
    ],
    [
      'throttled and unhealthy workers hold no GPU and bill nothing',
      ready({}),
      [worker('THROTTLED', 0), worker('UNHEALTHY', 0), worker('UNKNOWN', 0)],
      660,
      0,
    ],
    [
      'only the time since the last check is billed again',
      ready({ checkedAtS: 600 }),
      [worker('IDLE', 0), worker('RUNNING', 0)],
      660,
      0.12,
    ],
  ])('%s', (_name, doc, workers, nowS, expected) => {
    expect(accruedSpendUsd(doc, workers, at(nowS))).toBeCloseTo(expected, 9);
  });

  it('bills nothing before the deployment was provisioned', () => {
    const doc = { ...ready({}), timings: { ...ready({}).timings, provisioned_at: null } };
    expect(accruedSpendUsd(doc, [worker('RUNNING', 0)], at(660))).toBe(0);
  });
});

describe('decideCost', () => {
  it.each<[string, Deployment, number, CostCheck['over']]>([
    ['no limits: never deleted', ready({ spentUsd: 1000 }), 1e6, null],
    ['within its ttl', ready({ ttlS: 3600 }), 3600, null],
    [
      'past its ttl',
      ready({ ttlS: 3600 }),
      3601,
      { limit: 'ttl', reason: 'ttl of 3600 s reached' },
    ],
    ['within its budget', ready({ budgetUsd: 1, spentUsd: 0.3 }), 660, null],
    [
      'the budget is used up once recorded spend plus this window reaches it',
      ready({ budgetUsd: 0.85, spentUsd: 0.3 }),
      660,
      { limit: 'budget', reason: 'budget of $0.85 reached' },
    ],
    [
      'past both: the ttl is the reason given',
      ready({ ttlS: 60, budgetUsd: 0.1, spentUsd: 5 }),
      660,
      { limit: 'ttl', reason: 'ttl of 60 s reached' },
    ],
  ])('%s', (_name, doc, nowS, over) => {
    expect(decideCost(doc, [worker('IDLE', 0)], at(nowS)).over).toEqual(over);
  });

  it('records spend as what was recorded plus this window, to a millionth of a dollar', () => {
    expect(decideCost(ready({ spentUsd: 0.25 }), [worker('IDLE', 0)], at(660)).spentUsd).toBe(0.85);
    expect(decideCost(ready({ spentUsd: 0.1234567 }), [], at(660)).spentUsd).toBe(0.123457);
  });
});

describe('recordCostCheck', () => {
  const within: CostCheck = { spentUsd: 0.42, over: null };
  const over: CostCheck = {
    spentUsd: 2,
    over: { limit: 'budget', reason: 'budget of $1 reached' },
  };

  it('records spend and the check time, leaving a deployment within its limits as it was', () => {
    const next = recordCostCheck(ready({}), 'ready', within, at(660));
    expect(next).toMatchObject({
      status: 'ready',
      cost: { spent_usd: 0.42 },
      runtime: { cost_checked_at: iso(660) },
    });
  });

  it('moves a deployment over a limit to deleting, with the reason in its history', () => {
    const next = recordCostCheck(ready({}), 'ready', over, at(660));
    expect(next?.status).toBe('deleting');
    expect(next?.cost.spent_usd).toBe(2);
    expect(next?.history.at(-1)).toMatchObject({
      from: 'ready',
      to: 'deleting',
      reason: 'budget of $1 reached',
    });
  });

  it('leaves a deployment that changed status since the reaper read it (a pause or a delete wins)', () => {
    const paused = { ...ready({}), status: 'paused' as const };
    expect(recordCostCheck(paused, 'ready', over, at(660))).toBeNull();
  });
});
