import { isIP } from 'node:net';

export function privateV4(ip: string): boolean {
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

export function privateV6(ip: string): boolean {
  const x = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(x);
  if (mapped?.[1]) return privateV4(mapped[1]);
  return (
    x === '::' ||
    x === '::1' ||
    x.startsWith('fc') ||
    x.startsWith('fd') ||
    x.startsWith('fe80') ||
    x.startsWith('ff') ||
    x.startsWith('::ffff:')
  );
}

/**
 * Why a webhook URL must not be called, or null when it may be: only http(s), no credentials in the
 * URL, and (unless private hosts are allowed, as in local mode) no loopback, private, link-local or
 * metadata addresses given literally or as well-known names.
 */
export function rejectWebhookUrl(raw: string, allowPrivateHosts: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a valid URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return 'only http and https URLs are allowed';
  if (url.username || url.password) return 'credentials in the URL are not allowed';
  if (allowPrivateHosts) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === 'metadata.google.internal' ||
    host.endsWith('.internal')
  ) {
    return `host ${host} is internal`;
  }
  const kind = isIP(host);
  if ((kind === 4 && privateV4(host)) || (kind === 6 && privateV6(host)))
    return `address ${host} is not public`;
  return null;
}

/** True for an address a webhook must never reach (loopback, private, link-local, metadata, ...). */
export function isNonPublicAddress(ip: string): boolean {
  const kind = isIP(ip);
  return kind === 4 ? privateV4(ip) : kind === 6 ? privateV6(ip) : true;
}

/** Resolves a host name to every address it has (dns.lookup with all: true in production). */
export type ResolveHost = (host: string) => Promise<string[]>;

/**
 * rejectWebhookUrl plus DNS: a host name that resolves to any non-public address is refused too
 * (the sender checks again at connect time, so a later DNS change cannot slip through).
 */
export async function rejectWebhookTarget(
  raw: string,
  allowPrivateHosts: boolean,
  resolve: ResolveHost,
): Promise<string | null> {
  const literal = rejectWebhookUrl(raw, allowPrivateHosts);
  if (literal !== null || allowPrivateHosts) return literal;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return null;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    return `host ${host} does not resolve`;
  }
  const bad = addresses.find(isNonPublicAddress);
  return bad === undefined ? null : `host ${host} resolves to ${bad}, which is not public`;
}
