import { isIP } from 'node:net';

function privateV4(ip: string): boolean {
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

function privateV6(ip: string): boolean {
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
