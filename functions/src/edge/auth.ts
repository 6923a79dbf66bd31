import { AppError, RUNPOD_KEY_PATTERN } from '@visgate/shared';

/**
 * The caller's RunPod key from `X-Runpod-Api-Key` (wins, as in the seed) or `Authorization: Bearer`.
 * Throws UNAUTHORIZED when absent or not shaped like a RunPod key (RUNPOD_KEY_PATTERN); the key
 * itself is never echoed. A well-formed key names a tenant: one that owns nothing reads empty lists.
 */
export function apiKeyFrom(headers: {
  authorization?: string;
  'x-runpod-api-key'?: string | string[];
}): string {
  const explicit = headers['x-runpod-api-key'];
  const fromHeader = typeof explicit === 'string' ? explicit.trim() : undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  const key = fromHeader || bearer;
  if (!key || !RUNPOD_KEY_PATTERN.test(key)) {
    throw new AppError(
      'UNAUTHORIZED',
      'send your RunPod API key as "Authorization: Bearer <key>" or "X-Runpod-Api-Key"',
    );
  }
  return key;
}
