import { aDeployment } from '@visgate/shared/testing';
import { endpointSpec, nextPools, templateSpec, workerUrl } from './plan';

describe('nextPools', () => {
  it.each([
    [['A', 'B', 'C', 'D', 'E'], [], ['A', 'B', 'C']],
    [['A', 'B', 'C', 'D', 'E'], ['A'], ['B', 'C', 'D']],
    [
      ['A', 'B', 'C', 'D'],
      ['B', 'D'],
      ['A', 'C'],
    ],
    [['A', 'B'], ['A', 'B'], []],
  ])('of %j with %j refused is %j (in order, at most RunPod’s three)', (c, refused, want) => {
    expect(nextPools(c, refused)).toEqual(want);
  });
});

describe('endpointSpec', () => {
  const settings = { executionTimeoutS: 600, minCudaVersion: '12.8' };

  it('starts at least one worker so the model loads now, whatever the user’s minimum', () => {
    const doc = aDeployment();
    const spec = endpointSpec(
      { ...doc, settings: { ...doc.settings, workers_min: 0, workers_max: 0 } },
      settings,
      'tpl1',
      ['ADA_24'],
    );
    expect(spec).toMatchObject({
      workersMin: 1,
      workersMax: 1,
      templateId: 'tpl1',
      pools: ['ADA_24'],
    });
  });

  it('is named from the deployment, so a later attempt or the reaper can find it', () => {
    const doc = aDeployment();
    expect(endpointSpec(doc, settings, 't', ['A']).name).toBe(`visgate-${doc.deployment_id}`);
  });

  it('asks for the worker image’s CUDA floor, and none when the operator sets none', () => {
    const doc = aDeployment();
    expect(endpointSpec(doc, settings, 't', ['A'])).toMatchObject({
      minCudaVersion: '12.8',
      executionTimeoutMs: 600_000,
    });
    expect(
      endpointSpec(doc, { ...settings, minCudaVersion: '' }, 't', ['A']).minCudaVersion,
    ).toBeNull();
  });
});

describe('templateSpec', () => {
  it('points the worker at our events URL with its own token, and never the RunPod key', () => {
    const doc = aDeployment();
    const t = templateSpec(doc, {
      image: 'ghcr.io/visgate/worker:1',
      minDiskGb: 20,
      publicBaseUrl: 'https://api.example.com/',
      eventsToken: 'evt-token',
      hfToken: null,
      cacheSources: [],
    });
    expect(t.name).toBe(`visgate-${doc.deployment_id}`);
    expect(t.image).toBe('ghcr.io/visgate/worker:1');
    expect(t.env.VISGATE_EVENTS_URL).toBe(
      `https://api.example.com/internal/worker-events/${doc.deployment_id}`,
    );
    expect(t.env.VISGATE_EVENTS_TOKEN).toBe('evt-token');
    expect(JSON.stringify(t.env)).not.toMatch(/rpa_/);
    expect(workerUrl('https://x.test', 'worker-events', 'dpl_1')).toBe(
      'https://x.test/internal/worker-events/dpl_1',
    );
  });
});
