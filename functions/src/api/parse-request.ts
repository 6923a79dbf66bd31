import {
  AppError,
  CreateDeploymentBodySchema,
  STATIC_GPU_POOLS,
  normalizeDeploymentRequest,
  resolveGpuTier,
  type NormalizedDeploymentRequest,
} from '@visgate/shared';
import type { z } from 'zod';
import { rejectWebhookUrl } from '../policy/url-guard';

/** zod issues as `errors[{path, message}]` for a problem body. */
export function issuesToErrors(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.flatMap((i) => {
    const at = (path: PropertyKey[]): string => path.map(String).join('.') || '(body)';
    // An unknown field is reported at the field itself, so `path` names what to remove.
    if (i.code === 'unrecognized_keys')
      return i.keys.map((k) => ({ path: at([...i.path, k]), message: 'unknown field' }));
    return [{ path: at(i.path), message: i.message }];
  });
}

/**
 * The S3 endpoint URLs a body gives for its cache, by field: our own functions call that host (cache
 * check, fill, presigning), so each is held to the webhook rules. `body` must have passed
 * CreateDeploymentBodySchema.
 */
export function cacheEndpointFields(body: unknown): { path: string; url: string }[] {
  const b = body as { cache?: { endpoint_url?: string }; user_aws_endpoint_url?: string };
  const fields: { path: string; url: string }[] = [];
  if (b.cache?.endpoint_url !== undefined)
    fields.push({ path: 'cache.endpoint_url', url: b.cache.endpoint_url });
  if (b.user_aws_endpoint_url !== undefined)
    fields.push({ path: 'user_aws_endpoint_url', url: b.user_aws_endpoint_url });
  return fields;
}

/** The CACHE_ENDPOINT_REJECTED error for one field. */
export function cacheEndpointRejected(path: string, why: string): AppError {
  return new AppError('CACHE_ENDPOINT_REJECTED', `${path} is not allowed: ${why}`, {
    details: { errors: [{ path, message: why }] },
  });
}

/**
 * Validates a deployment (or estimate) body: schema, known GPU tier and pools, a callable webhook
 * URL and cache endpoint. Throws AppError VALIDATION_FAILED / WEBHOOK_URL_REJECTED /
 * CACHE_ENDPOINT_REJECTED with every problem listed.
 */
export function parseDeploymentRequest(
  body: unknown,
  opts: { allowPrivateWebhookHosts: boolean },
): NormalizedDeploymentRequest {
  const parsed = CreateDeploymentBodySchema.safeParse(body);
  if (!parsed.success) {
    throw new AppError('VALIDATION_FAILED', 'the request body is invalid', {
      details: { errors: issuesToErrors(parsed.error) },
    });
  }
  const req = normalizeDeploymentRequest(parsed.data);
  const errors: { path: string; message: string }[] = [];
  if (
    req.settings.gpu_tier !== null &&
    resolveGpuTier(req.settings.gpu_tier, STATIC_GPU_POOLS) === null
  ) {
    errors.push({
      path: 'gpu_tier',
      message: `unknown GPU tier "${req.settings.gpu_tier}"; see GET /v1/gpus`,
    });
  }
  const known = new Set(STATIC_GPU_POOLS.map((p) => p.id));
  for (const [i, pool] of (req.settings.gpu_pools ?? []).entries()) {
    if (!known.has(pool))
      errors.push({
        path: `gpu_pools.${i}`,
        message: `unknown RunPod pool "${pool}"; see GET /v1/gpus`,
      });
  }
  if (errors.length > 0)
    throw new AppError('VALIDATION_FAILED', 'the request body is invalid', { details: { errors } });
  if (req.secrets.webhookUrl !== null) {
    const why = rejectWebhookUrl(req.secrets.webhookUrl, opts.allowPrivateWebhookHosts);
    if (why !== null) {
      throw new AppError('WEBHOOK_URL_REJECTED', `user_webhook_url is not allowed: ${why}`, {
        details: { errors: [{ path: 'user_webhook_url', message: why }] },
      });
    }
  }
  for (const { path, url } of cacheEndpointFields(parsed.data)) {
    const why = rejectWebhookUrl(url, opts.allowPrivateWebhookHosts);
    if (why !== null) throw cacheEndpointRejected(path, why);
  }
  return req;
}
