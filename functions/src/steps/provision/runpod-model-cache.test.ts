import { AppError, type Deployment } from '@visgate/shared';
import type { Deps } from '../../deps';
import {
  planRunPodModelCache,
  plannedSource,
  runpodModelReference,
  updateEndpointKeepingCache,
} from './runpod-model-cache';

const SHA = 'c'.repeat(40);
const publicModel = {
  hf_model_id: 'stabilityai/sd-turbo',
  revision_sha: SHA,
  model: { gated: false as const, private: false },
};
const on = { RUNPOD_MODEL_CACHE: true };

describe('planRunPodModelCache', () => {
  it('references a public model at its pinned revision', () => {
    expect(planRunPodModelCache(on, publicModel, false)).toEqual({
      use: true,
      reference: `https://huggingface.co/stabilityai/sd-turbo:${SHA}`,
    });
  });

  it.each([
    ['the operator turned it off', { RUNPOD_MODEL_CACHE: false }, publicModel, false, 'disabled'],
    ['an S3 cache hit serves the weights', on, publicModel, true, 's3-cache-hit'],
    [
      'the revision is not pinned',
      on,
      { ...publicModel, revision_sha: null },
      false,
      'no-revision',
    ],
    [
      'the model is gated',
      on,
      { ...publicModel, model: { gated: 'manual' as const, private: false } },
      false,
      'gated-or-private',
    ],
    [
      'the model is private',
      on,
      { ...publicModel, model: { gated: false as const, private: true } },
      false,
      'gated-or-private',
    ],
  ])('is not used when %s', (_why, config, doc, s3Hit, reason) => {
    expect(planRunPodModelCache(config, doc, s3Hit)).toEqual({ use: false, reason });
  });
});

describe('plannedSource', () => {
  const miss = (reason: string) => ({ reason, source: `huggingface (${reason})` });

  it('names RunPod cache as the source once the reference is set, keeping the S3 reasons', () => {
    expect(plannedSource(null, 'set')).toBe('runpod_cache');
    expect(plannedSource(miss('cache:private miss, fill queued'), 'set')).toBe(
      'runpod_cache (cache:private miss, fill queued)',
    );
  });

  it('keeps the Hub and says why when RunPod refused the reference', () => {
    expect(plannedSource(null, { refused: 'not enabled' })).toBe(
      'huggingface (runpod_cache refused: not enabled)',
    );
    expect(plannedSource(miss('cache:shared unavailable'), { refused: 'x' })).toBe(
      'huggingface (cache:shared unavailable; runpod_cache refused: x)',
    );
  });

  it('leaves the provision-time source alone when RunPod cache was not tried', () => {
    expect(plannedSource({ reason: null, source: 'cache:private:hit' }, null)).toBe(
      'cache:private:hit',
    );
    expect(plannedSource(null, null)).toBeNull();
  });

  it('builds the reference in the form runpodctl reports', () => {
    expect(runpodModelReference('org/name', SHA)).toBe(`https://huggingface.co/org/name:${SHA}`);
  });
});

describe('updateEndpointKeepingCache', () => {
  const reference = `https://huggingface.co/stabilityai/sd-turbo:${SHA}`;
  const endpoint = {
    id: 'ep1',
    name: 'visgate-dpl_x',
    pools: ['ADA_24'],
    workersMin: 0,
    workersMax: 1,
    idleTimeoutS: 5,
    flashboot: true,
    dataCenterIds: [],
    executionTimeoutMs: 600_000,
    runUrl: 'http://x/v2/ep1/run',
  };
  const doc = {
    deployment_id: 'dpl_x',
    endpoint_id: 'ep1',
    template_id: 'tpl1',
    runtime: { runpod_model_reference: reference } as Deployment['runtime'],
  };
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m) } as unknown as Deps['log'];

  it('sets the reference again with the whole configuration when an update dropped it', async () => {
    const saved: unknown[] = [];
    const runpod = {
      updateEndpoint: () => Promise.resolve(endpoint),
      getModelReferences: () => Promise.resolve([]),
      setModelReferences: (_k: string, spec: unknown, refs: string[]) => {
        saved.push({ spec, refs });
        return Promise.resolve(refs);
      },
    } as unknown as Deps['runpod'];
    await updateEndpointKeepingCache({ runpod, log }, 'key', doc, { workersMin: 0 });
    expect(saved).toEqual([
      {
        spec: expect.objectContaining({
          id: 'ep1',
          templateId: 'tpl1',
          workersMin: 0,
          pools: ['ADA_24'],
        }),
        refs: [reference],
      },
    ]);
  });

  it('logs and goes on when the check fails: the update itself went through', async () => {
    const runpod = {
      updateEndpoint: () => Promise.resolve(endpoint),
      getModelReferences: () => Promise.reject(new AppError('UPSTREAM_UNAVAILABLE', 'down')),
    } as unknown as Deps['runpod'];
    await expect(
      updateEndpointKeepingCache({ runpod, log }, 'key', doc, { workersMax: 0 }),
    ).resolves.toEqual(endpoint);
    expect(warnings.at(-1)).toMatch(/could not check the cached model/);
  });
});
