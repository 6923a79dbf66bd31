import type { Ctx } from './context';
import { deploymentBody } from './deployment-body';
import type { Flags } from './flags';
import { CliError } from './errors';

const ctx = (flags: Flags, hfToken: string | null = null) =>
  ({ flags, config: { hfToken } }) as unknown as Ctx;

describe('deploymentBody', () => {
  it.each<[string, Flags, Record<string, unknown>]>([
    ['the model alone', {}, {}],
    ['--hf-token', { 'hf-token': 'hf_flag' }, { hf_token: 'hf_flag' }],
    ['--revision', { revision: 'v1.0' }, { revision: 'v1.0' }],
    ['--gpu-tier', { 'gpu-tier': 'PRO' }, { gpu_tier: 'PRO' }],
    ['--task', { task: 'img2img' }, { task: 'img2img' }],
    [
      '--lora, repeated',
      { lora: ['org/style@v2:0.7', 'org/detail'] },
      { loras: [{ hf_repo: 'org/style', revision: 'v2', scale: 0.7 }, { hf_repo: 'org/detail' }] },
    ],
    ['--gpu-pools', { 'gpu-pools': 'ADA_24, AMPERE_16' }, { gpu_pools: ['ADA_24', 'AMPERE_16'] }],
    [
      '--workers-min/max',
      { 'workers-min': '1', 'workers-max': '3' },
      { workers_min: 1, workers_max: 3 },
    ],
    ['--idle-timeout 2m', { 'idle-timeout': '2m' }, { idle_timeout_s: 120 }],
    ['--ttl 2h', { ttl: '2h' }, { ttl_s: 7200 }],
    ['--budget $2.50', { budget: '$2.50' }, { budget_usd: 2.5 }],
    ['--no-flashboot', { 'no-flashboot': true }, { flashboot: false }],
    ['--data-centers', { 'data-centers': 'EU-RO-1' }, { data_centers: ['EU-RO-1'] }],
    ['--webhook', { webhook: 'https://h.example/x' }, { user_webhook_url: 'https://h.example/x' }],
    [
      '--webhook-events',
      { 'webhook-events': 'deployment.ready' },
      { webhook_events: ['deployment.ready'] },
    ],
    [
      'the cache flags, as one cache object',
      {
        'cache-scope': 'private',
        'cache-s3-url': 's3://bucket/p',
        'cache-endpoint-url': 'https://r2.example',
        'cache-access-key-id': 'AKIA',
        'cache-secret-access-key': 'secret',
      },
      {
        cache: {
          scope: 'private',
          s3_url: 's3://bucket/p',
          endpoint_url: 'https://r2.example',
          access_key_id: 'AKIA',
          secret_access_key: 'secret',
        },
      },
    ],
    [
      '--metadata twice',
      { metadata: ['team=vision', 'run=a=b'] },
      { metadata: { team: 'vision', run: 'a=b' } },
    ],
  ])('%s', (_what, flags, fields) => {
    expect(deploymentBody(ctx(flags), 'org/model')).toEqual({
      hf_model_id: 'org/model',
      ...fields,
    });
  });

  it('takes HF_TOKEN when --hf-token is not given, and --hf-token over it', () => {
    expect(deploymentBody(ctx({}, 'hf_env'), 'a/b').hf_token).toBe('hf_env');
    expect(deploymentBody(ctx({ 'hf-token': 'hf_flag' }, 'hf_env'), 'a/b').hf_token).toBe(
      'hf_flag',
    );
  });

  it.each<[Flags, RegExp]>([
    [{ budget: 'lots' }, /--budget must be an amount in dollars/],
    [{ budget: '0' }, /--budget must be an amount/],
    [{ 'workers-max': 'two' }, /--workers-max must be a whole number/],
    [{ ttl: 'forever' }, /--ttl must be a duration/],
    [{ metadata: ['novalue'] }, /--metadata takes KEY=VALUE/],
    [{ lora: ['https://files.example/a.safetensors'] }, /a deployment's --lora comes from the Hub/],
    [{ lora: ['org/style:9'] }, /--lora scale must be between -4 and 4/],
  ])('refuses %j as a usage error', (flags, message) => {
    expect(() => deploymentBody(ctx(flags), 'a/b')).toThrow(CliError);
    expect(() => deploymentBody(ctx(flags), 'a/b')).toThrow(message);
  });
});
