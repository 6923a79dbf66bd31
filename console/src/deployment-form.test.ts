import { EMPTY_FORM, deploymentBody, fieldFor } from './deployment-form';

describe('the New deployment form', () => {
  it.each([
    [
      'only the model, API defaults for the rest',
      {},
      { hf_model_id: 'org/m', workers_min: 0, workers_max: 1, idle_timeout_s: 120 },
    ],
    [
      'optional fields when given, numbers as numbers',
      { gpu_tier: 'PRO', ttl_s: '3600', budget_usd: '2.5', hf_token: ' hf_x ', workers_max: '3' },
      {
        hf_model_id: 'org/m',
        hf_token: 'hf_x',
        gpu_tier: 'PRO',
        workers_min: 0,
        workers_max: 3,
        idle_timeout_s: 120,
        ttl_s: 3600,
        budget_usd: 2.5,
      },
    ],
    [
      'a number that does not parse goes as typed, for the API to name',
      { workers_max: 'lots' },
      { hf_model_id: 'org/m', workers_min: 0, workers_max: 'lots', idle_timeout_s: 120 },
    ],
    [
      'the shared cache',
      { cache_scope: 'shared' },
      {
        hf_model_id: 'org/m',
        workers_min: 0,
        workers_max: 1,
        idle_timeout_s: 120,
        cache: { scope: 'shared' },
      },
    ],
    [
      'a private cache with its bucket and keys',
      {
        cache_scope: 'private',
        cache_s3_url: 's3://b/p',
        cache_access_key_id: 'AK',
        cache_secret_access_key: 'SK',
      },
      {
        hf_model_id: 'org/m',
        workers_min: 0,
        workers_max: 1,
        idle_timeout_s: 120,
        cache: {
          scope: 'private',
          s3_url: 's3://b/p',
          access_key_id: 'AK',
          secret_access_key: 'SK',
        },
      },
    ],
  ] as const)('%s', (_what, fields, body) => {
    expect(deploymentBody({ ...EMPTY_FORM, hf_model_id: ' org/m ', ...fields })).toEqual(body);
  });

  it.each([
    ['hf_model_id', 'hf_model_id'],
    ['workers_max', 'workers_max'],
    ['cache.s3_url', 'cache_s3_url'],
    ['cache', 'cache_scope'],
    ['cache.scope', 'cache_scope'],
    ['metadata.x', null],
  ])('puts the API error at %s on the %s field', (path, field) => {
    expect(fieldFor(path)).toBe(field);
  });
});
