import { AppError } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { createMemoryLogger } from '../../adapters/log/json-logger';
import { createFakeRunPodApi } from '../../../test-support/fake-runpod-api';
import { acquire, type AcquireInput } from './acquire';
import { endpointSpec } from './plan';

const doc = aDeployment({ status: 'provisioning' });
const NAME = `visgate-${doc.deployment_id}`;
const CANDIDATES = ['AMPERE_16', 'AMPERE_24', 'ADA_24', 'AMPERE_48', 'ADA_48_PRO'];

function input(over: Partial<AcquireInput> = {}): AcquireInput {
  return {
    apiKey: 'rpa_TEST',
    deploymentId: doc.deployment_id,
    template: { name: NAME, image: 'img', diskGb: 20, env: {} },
    mayExist: false,
    endpoint: (templateId, pools) =>
      endpointSpec(doc, { executionTimeoutS: 600, minCudaVersion: '' }, templateId, pools),
    pools: CANDIDATES.slice(0, 3),
    candidates: CANDIDATES,
    refusedBefore: [],
    modelReference: null,
    ...over,
  };
}
const log = createMemoryLogger('silent');

describe('acquire', () => {
  it('creates the template and the endpoint on the first pools', async () => {
    const rp = createFakeRunPodApi();
    const got = await acquire(rp.api, log, input());
    expect(got).toMatchObject({ kind: 'acquired', pools: ['AMPERE_16', 'AMPERE_24', 'ADA_24'] });
    expect(rp.calls).toEqual([
      `createTemplate ${NAME}`,
      'createEndpoint AMPERE_16,AMPERE_24,ADA_24 min=1',
    ]);
  });

  it('moves on to the next candidates when RunPod refuses placement, and records each refusal', async () => {
    const rp = createFakeRunPodApi({ refusePools: ['AMPERE_16', 'AMPERE_24'] });
    const got = await acquire(rp.api, log, input());
    expect(got.kind).toBe('acquired');
    expect(got.refusals.map((r) => r.pool)).toEqual(['AMPERE_16', 'AMPERE_24']);
    if (got.kind === 'acquired') expect(got.pools).toEqual(['ADA_24', 'AMPERE_48', 'ADA_48_PRO']);
  });

  it('says no-capacity, instead of throwing for a redelivery, once every candidate refused', async () => {
    const rp = createFakeRunPodApi({ refusePools: CANDIDATES });
    const got = await acquire(rp.api, log, input({ refusedBefore: ['TURING_16'] }));
    expect(got.kind).toBe('no-capacity');
    expect(got.refusals.map((r) => r.pool)).toEqual(CANDIDATES);
    expect(got.template.name).toBe(NAME); // the teardown removes it by name
    expect(rp.endpoints.size).toBe(0);
  });

  it('adopts what an earlier attempt made instead of creating duplicates', async () => {
    const rp = createFakeRunPodApi();
    await acquire(rp.api, log, input());
    rp.calls.length = 0;
    const again = await acquire(rp.api, log, input({ mayExist: true }));
    expect(again.kind).toBe('acquired');
    expect(rp.calls).toEqual(['listTemplates', 'listEndpoints']);
    expect(rp.templates.size).toBe(1);
    expect(rp.endpoints.size).toBe(1);
  });

  it('with a cached model, creates at 0 workers and starts the worker with the references', async () => {
    const rp = createFakeRunPodApi();
    const ref = 'https://huggingface.co/stabilityai/sd-turbo:abc';
    const got = await acquire(rp.api, log, input({ modelReference: ref }));
    expect(got).toMatchObject({ kind: 'acquired', runpodCache: 'set' });
    expect(rp.calls).toEqual([
      `createTemplate ${NAME}`,
      'createEndpoint AMPERE_16,AMPERE_24,ADA_24 min=0',
      expect.stringMatching(/^setModelReferences ep\d+ https:\/\/huggingface.co/),
    ]);
    expect([...rp.endpoints.values()][0]?.workersMin).toBe(1);
  });

  it('when RunPod refuses the cached model, records why and starts the worker anyway', async () => {
    const rp = createFakeRunPodApi({
      modelReferenceError: new AppError('VALIDATION_FAILED', 'model too large to cache'),
    });
    const got = await acquire(rp.api, log, input({ modelReference: 'https://huggingface.co/m:s' }));
    expect(got).toMatchObject({
      kind: 'acquired',
      runpodCache: { refused: 'model too large to cache' },
    });
    expect([...rp.endpoints.values()][0]?.workersMin).toBe(1);
  });

  it('throws a transient error so the step is redelivered (and adopts what was made)', async () => {
    const rp = createFakeRunPodApi({
      modelReferenceError: new AppError('UPSTREAM_UNAVAILABLE', 'RunPod failed (500)'),
    });
    await expect(
      acquire(rp.api, log, input({ modelReference: 'https://huggingface.co/m:s' })),
    ).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });
});
