import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { ResolveHost } from '../ports';

/**
 * True for an address a webhook must never reach. Classification is ipaddr.js's `range()` (the IANA
 * special-purpose registries), and only `unicast` passes: loopback, private, CGNAT, link-local
 * (the metadata server), multicast, broadcast, 192.0.0.0/24, benchmarking, documentation, reserved,
 * site-local fec0::/10, unique local, discard, ORCHID… are refused. IPv4-mapped ::ffff:a.b.c.d is
 * judged by its IPv4 address. Every other form that embeds an IPv4 address — NAT64 64:ff9b::/96 and
 * 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32, IPv4-translated ::ffff:0:a.b.c.d and the
 * deprecated IPv4-compatible ::a.b.c.d — is refused as a whole, whatever it embeds: each is a way to
 * reach an IPv4 host through a translator, and none is needed for a public webhook receiver.
 * Anything that is not an IP address at all is refused too.
 */
export function isNonPublicAddress(ip: string): boolean {
  const kind = isIP(ip);
  if (kind === 4) return ipaddr.IPv4.parse(ip).range() !== 'unicast';
  if (kind !== 6) return true;
  const v6 = ipaddr.IPv6.parse(canonicalV6(ip));
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() !== 'unicast';
  // ::/96 (IPv4-compatible, RFC 4291 §2.5.5.1): ipaddr.js calls ::7f00:1 unicast, so test it here.
  if (v6.parts.slice(0, 6).every((p) => p === 0)) return true;
  return v6.range() !== 'unicast';
}

/**
 * One spelling per IPv6 address, as the URL parser writes it (a zone id dropped): ipaddr.js 2.5
 * reads the dotted form ::127.0.0.1 as ::ffff:127.0.0.1, so it is only given the hex form.
 */
function canonicalV6(ip: string): string {
  const bare = ip.replace(/%.*$/, '');
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
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
  if (isIP(host) !== 0 && isNonPublicAddress(host)) return `address ${host} is not public`;
  return null;
}

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
