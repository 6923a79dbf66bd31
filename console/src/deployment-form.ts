/** The New deployment form's fields, as typed (strings; empty = not given). */
export interface DeploymentForm {
  hf_model_id: string;
  hf_token: string;
  gpu_tier: string;
  workers_min: string;
  workers_max: string;
  idle_timeout_s: string;
  ttl_s: string;
  budget_usd: string;
  cache_scope: 'none' | 'private' | 'shared';
  cache_s3_url: string;
  cache_endpoint_url: string;
  cache_access_key_id: string;
  cache_secret_access_key: string;
  user_webhook_url: string;
}

export const EMPTY_FORM: DeploymentForm = {
  hf_model_id: '',
  hf_token: '',
  gpu_tier: '',
  workers_min: '0',
  workers_max: '1',
  idle_timeout_s: '120',
  ttl_s: '',
  budget_usd: '',
  cache_scope: 'none',
  cache_s3_url: '',
  cache_endpoint_url: '',
  cache_access_key_id: '',
  cache_secret_access_key: '',
  user_webhook_url: '',
};

/** A number field: a number when it parses, else the text itself so the API names the problem. */
const num = (s: string): number | string => {
  const t = s.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
};

/**
 * The request body of POST /v1/deployments (and /v1/estimates) for the form: empty optional fields
 * are left out so the API's defaults apply; nothing is validated here, the API's messages are shown
 * as they come. Pure.
 */
export function deploymentBody(f: DeploymentForm): Record<string, unknown> {
  const body: Record<string, unknown> = { hf_model_id: f.hf_model_id.trim() };
  const text = (name: string, value: string): void => {
    if (value.trim() !== '') body[name] = value.trim();
  };
  const number = (name: string, value: string): void => {
    if (value.trim() !== '') body[name] = num(value);
  };
  text('hf_token', f.hf_token);
  text('gpu_tier', f.gpu_tier);
  number('workers_min', f.workers_min);
  number('workers_max', f.workers_max);
  number('idle_timeout_s', f.idle_timeout_s);
  number('ttl_s', f.ttl_s);
  number('budget_usd', f.budget_usd);
  text('user_webhook_url', f.user_webhook_url);
  if (f.cache_scope === 'shared') body.cache = { scope: 'shared' };
  if (f.cache_scope === 'private') {
    const cache: Record<string, unknown> = { scope: 'private' };
    if (f.cache_s3_url.trim()) cache.s3_url = f.cache_s3_url.trim();
    if (f.cache_endpoint_url.trim()) cache.endpoint_url = f.cache_endpoint_url.trim();
    if (f.cache_access_key_id.trim()) cache.access_key_id = f.cache_access_key_id.trim();
    if (f.cache_secret_access_key.trim())
      cache.secret_access_key = f.cache_secret_access_key.trim();
    body.cache = cache;
  }
  return body;
}

/** The form field an API error path (`cache.s3_url`, `workers_max`) belongs to. */
export function fieldFor(path: string): keyof DeploymentForm | null {
  const p = path.replace(/^\(body\)\.?/, '');
  if (p.startsWith('cache.')) {
    const key = `cache_${p.slice('cache.'.length)}`;
    return key in EMPTY_FORM ? (key as keyof DeploymentForm) : 'cache_scope';
  }
  if (p === 'cache') return 'cache_scope';
  return p in EMPTY_FORM ? (p as keyof DeploymentForm) : null;
}
