/** Standard Webhooks (v1, HMAC-SHA256) signing and verification, on Web Crypto only. */

const SECRET_PREFIX = 'whsec_';
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
/** The reference libraries' tolerance for webhook-timestamp skew, both directions. */
export const WEBHOOK_TOLERANCE_S = 300;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Decodes base64; throws on characters outside the alphabet. */
function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * A new signing secret, `whsec_` + base64 of `random` (which the caller draws from a CSPRNG).
 * Throws a RangeError unless `random` holds 24 to 64 bytes, as the spec requires.
 */
export function newWebhookSecret(random: Uint8Array): string {
  if (random.length < MIN_SECRET_BYTES || random.length > MAX_SECRET_BYTES) {
    throw new RangeError(
      `webhook secret needs ${MIN_SECRET_BYTES}..${MAX_SECRET_BYTES} random bytes`,
    );
  }
  return SECRET_PREFIX + toBase64(random);
}

function importKey(secret: string): Promise<CryptoKey> {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = fromBase64(encoded);
  } catch (cause) {
    throw new Error('webhook secret is not base64', { cause });
  }
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

function signedContent(
  msgId: string,
  timestampS: number | string,
  body: string,
): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${msgId}.${String(timestampS)}.${body}`);
}

/**
 * The `webhook-signature` header value for one delivery: `v1,` + base64 HMAC-SHA256 of
 * `${msgId}.${timestampS}.${body}`, keyed by the base64-decoded secret (after `whsec_`).
 * Throws if the secret is not base64.
 */
export async function signWebhook(
  secret: string,
  msgId: string,
  timestampS: number,
  body: string,
): Promise<string> {
  const key = await importKey(secret);
  const mac = await crypto.subtle.sign('HMAC', key, signedContent(msgId, timestampS, body));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

/**
 * True when one of the space-separated `v1,` signatures matches the body and the timestamp is
 * within `toleranceS` of `nowS` (either direction). Comparison goes through `subtle.verify`, which
 * is constant-time. Malformed headers give false; a secret that is not base64 throws.
 */
export async function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowS: number,
  toleranceS: number = WEBHOOK_TOLERANCE_S,
): Promise<boolean> {
  const key = await importKey(secret);
  if (!/^\d{1,15}$/.test(headers.timestamp)) return false;
  if (Math.abs(nowS - Number(headers.timestamp)) > toleranceS) return false;
  const content = signedContent(headers.id, headers.timestamp, body);
  for (const entry of headers.signature.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || value === undefined || value === '') continue;
    let mac: Uint8Array<ArrayBuffer>;
    try {
      mac = fromBase64(value);
    } catch {
      continue;
    }
    if (await crypto.subtle.verify('HMAC', key, mac, content)) return true;
  }
  return false;
}

const EVENT_SUFFIX = {
  'deployment.ready': 'ready',
  'deployment.failed': 'failed',
  'deployment.deleted': 'deleted',
} as const;

/**
 * The `webhook-id` for one event of one deployment: the same on every retry (the consumer's
 * idempotency key) and free of `.`, e.g. `msg_dpl_abc_ready`. Throws if the id contains a `.`.
 */
export function webhookMessageId(
  deploymentId: string,
  event: 'deployment.ready' | 'deployment.failed' | 'deployment.deleted',
): string {
  if (deploymentId.includes('.')) throw new Error('deployment id must not contain "."');
  return `msg_${deploymentId}_${EVENT_SUFFIX[event]}`;
}
