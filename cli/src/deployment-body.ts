import { durationFlag, intFlag, listFlag, stringFlag } from './args';
import type { Ctx } from './context';
import { usageError } from './errors';
import { loraValue } from './job-input-flags';

/**
 * The `POST /v1/deployments` (and `/v1/estimates`) body from the command line: one flag per field
 * of the create schema (shared/src/schemas/create-deployment.ts). Only shapes are checked here;
 * the API validates values and answers with the field at fault.
 */
export function deploymentBody(ctx: Ctx, model: string): Record<string, unknown> {
  const f = ctx.flags;
  const body: Record<string, unknown> = { hf_model_id: model };
  const set = (field: string, value: unknown): void => {
    if (value !== undefined) body[field] = value;
  };
  set('revision', stringFlag(f, 'revision'));
  set('hf_token', stringFlag(f, 'hf-token') ?? ctx.config.hfToken ?? undefined);
  set('task', stringFlag(f, 'task'));
  const loras = Array.isArray(f.lora) ? f.lora : typeof f.lora === 'string' ? [f.lora] : [];
  if (loras.length > 0) {
    body.loras = loras.map((spec) => {
      const lora = loraValue(spec);
      if ('url' in lora)
        throw usageError(
          `a deployment's --lora comes from the Hub (org/name[@rev][:scale]); a URL works per job (visgate run --lora), got "${spec}"`,
          'deploy',
        );
      return lora;
    });
  }
  set('gpu_tier', stringFlag(f, 'gpu-tier'));
  set('gpu_pools', listFlag(f, 'gpu-pools'));
  set('workers_min', intFlag(f, 'workers-min'));
  set('workers_max', intFlag(f, 'workers-max'));
  set('idle_timeout_s', durationFlag(f, 'idle-timeout'));
  if (f['no-flashboot']) body.flashboot = false;
  set('data_centers', listFlag(f, 'data-centers'));
  set('ttl_s', durationFlag(f, 'ttl'));
  const budget = stringFlag(f, 'budget');
  if (budget !== undefined) {
    const n = Number(budget.replace(/^\$/, ''));
    if (!/^\$?\d+(\.\d+)?$/.test(budget) || !(n > 0)) {
      throw usageError(`--budget must be an amount in dollars such as 5 or 0.50, got "${budget}"`);
    }
    body.budget_usd = n;
  }
  set('user_webhook_url', stringFlag(f, 'webhook'));
  set('webhook_events', listFlag(f, 'webhook-events'));
  const cache: Record<string, string> = {};
  const cacheFields = [
    ['cache-scope', 'scope'],
    ['cache-s3-url', 's3_url'],
    ['cache-endpoint-url', 'endpoint_url'],
    ['cache-access-key-id', 'access_key_id'],
    ['cache-secret-access-key', 'secret_access_key'],
  ] as const;
  for (const [flag, field] of cacheFields) {
    const v = stringFlag(f, flag);
    if (v !== undefined) cache[field] = v;
  }
  if (Object.keys(cache).length > 0) body.cache = cache;
  const metadata = f.metadata;
  if (Array.isArray(metadata)) {
    body.metadata = Object.fromEntries(
      metadata.map((kv) => {
        const i = kv.indexOf('=');
        if (i <= 0) throw usageError(`--metadata takes KEY=VALUE, got "${kv}"`);
        return [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
  }
  return body;
}
