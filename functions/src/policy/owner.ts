import { createHash, createHmac } from 'node:crypto';

/** Owner id = HMAC-SHA256(server pepper, RunPod key): stable per key, useless without the pepper. */
export function ownerHash(pepper: string, apiKey: string): string {
  return createHmac('sha256', pepper).update(apiKey).digest('hex');
}

/** Canonical JSON (sorted keys) hashed, for idempotency request matching. */
export function requestHash(body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex');
}
