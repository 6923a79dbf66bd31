import type { Deployment, WorkerCounts } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { decidePoll, type PollSettings } from './decide';

const settings: PollSettings = {
  loadTimeoutMs: 600_000,
  throttleGraceMs: 60_000,
  crashloopUnhealthyPolls: 3,
  readyProbeAfterMs: 30_000,
};
const t0 = new Date('2026-11-27T12:00:00Z');
const at = (s: number): Date => new Date(t0.getTime() + s * 1000);
const none: WorkerCounts = { idle: 0, initializing: 0, running: 0, throttled: 0, unhealthy: 0 };

function loading(overrides: Partial<Deployment['runtime']> = {}): Deployment {
  const doc = aDeployment({ status: 'loading', endpoint_id: 'ep1' });
  return {
    ...doc,
    gpu: {
      pool: 'AMPERE_16',
      fallback_pools: ['AMPERE_24', 'ADA_24'],
      candidates: ['AMPERE_16', 'AMPERE_24', 'ADA_24', 'AMPERE_48'],
      active_pools: ['AMPERE_16', 'AMPERE_24', 'ADA_24'],
      price_per_hour_usd: 0.576,
      usable_vram_bytes: 15e9,
      skipped: [],
    },
    runtime: { ...doc.runtime, loading_started_at: t0.toISOString(), ...overrides },
  };
}

describe('decidePoll', () => {
  it('waits while a worker initialises', () => {
    expect(decidePoll(loading(), { ...none, initializing: 1 }, null, at(10), settings).kind).toBe(
      'wait',
    );
  });

  it('fails with LOAD_TIMEOUT once the load window has passed', () => {
    const d = decidePoll(loading(), { ...none, initializing: 1 }, null, at(601), settings);
    expect(d).toMatchObject({ kind: 'fail', code: 'LOAD_TIMEOUT' });
  });

  it('fails with WORKER_CRASHLOOP after the configured number of unhealthy checks in a row', () => {
    let doc = loading();
    const kinds: string[] = [];
    for (let i = 1; i <= 3; i += 1) {
      const d = decidePoll(doc, { ...none, unhealthy: 1 }, null, at(i * 5), settings);
      kinds.push(d.kind === 'fail' ? d.code : d.kind);
      if (d.kind === 'wait') doc = { ...doc, runtime: d.runtime };
    }
    expect(kinds).toEqual(['wait', 'wait', 'WORKER_CRASHLOOP']);
  });

  it('forgets unhealthy checks once a worker is up', () => {
    const d = decidePoll(
      loading({ unhealthy_polls: 2 }),
      { ...none, unhealthy: 1, idle: 1 },
      null,
      at(5),
      settings,
    );
    expect(d.kind === 'wait' && d.runtime.unhealthy_polls).toBe(0);
  });

  it('moves to the next candidate pools when workers stay throttled past the grace period', () => {
    const first = decidePoll(loading(), { ...none, throttled: 1 }, null, at(5), settings);
    expect(first.kind).toBe('wait');
    const runtime = first.kind === 'wait' ? first.runtime : loading().runtime;
    const d = decidePoll(
      { ...loading(), runtime },
      { ...none, throttled: 1 },
      null,
      at(70),
      settings,
    );
    expect(d).toMatchObject({ kind: 'switch-pools', pools: ['AMPERE_48'] });
    expect(d.kind === 'switch-pools' && d.skipped.map((s) => s.pool)).toEqual([
      'AMPERE_16',
      'AMPERE_24',
      'ADA_24',
    ]);
  });

  it('fails with NO_CAPACITY when throttled and no untried candidate is left', () => {
    const doc = loading({ throttled_since: at(0).toISOString() });
    const exhausted = {
      ...doc,
      gpu: { ...doc.gpu!, candidates: ['AMPERE_16', 'AMPERE_24', 'ADA_24'] },
    };
    expect(decidePoll(exhausted, { ...none, throttled: 1 }, null, at(61), settings)).toMatchObject({
      kind: 'fail',
      code: 'NO_CAPACITY',
    });
  });

  it('sends a health probe when a worker is idle but never called back', () => {
    const first = decidePoll(loading(), { ...none, idle: 1 }, null, at(5), settings);
    expect(first.kind).toBe('wait');
    const runtime = first.kind === 'wait' ? first.runtime : loading().runtime;
    expect(
      decidePoll({ ...loading(), runtime }, { ...none, idle: 1 }, null, at(40), settings).kind,
    ).toBe('probe');
  });

  it('is ready when the probe job completed and fails when it failed', () => {
    const doc = loading({ probe_job_id: 'job1' });
    expect(
      decidePoll(doc, { ...none, idle: 1 }, { id: 'job1', status: 'COMPLETED' }, at(50), settings)
        .kind,
    ).toBe('ready');
    expect(
      decidePoll(doc, { ...none, idle: 1 }, { id: 'job1', status: 'FAILED' }, at(50), settings),
    ).toMatchObject({ kind: 'fail', code: 'WORKER_FAILED' });
  });
});
