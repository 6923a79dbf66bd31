import { isNonPublicAddress, rejectWebhookTarget, rejectWebhookUrl } from './url-guard';

/** A DNS of our own: names a hostile user could register, pointing wherever they like. */
const dns: Record<string, string[]> = {
  'hooks.example.com': ['93.184.216.34'],
  'dual.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'evil-loopback.example.com': ['127.0.0.1'],
  'evil-private.example.com': ['10.1.2.3'],
  'evil-metadata.example.com': ['169.254.169.254'],
  'evil-mixed.example.com': ['93.184.216.34', '192.168.0.10'],
  'evil-v6.example.com': ['::1'],
  'evil-v6-ula.example.com': ['fd12:3456::1'],
  'evil-mapped.example.com': ['::ffff:10.0.0.1'],
  'evil-cgnat.example.com': ['100.64.0.1'],
  'evil-nat64.example.com': ['64:ff9b::a9fe:a9fe'],
  'evil-6to4.example.com': ['2002:a00:1::1'],
  'evil-compat.example.com': ['::7f00:1'],
  'evil-sitelocal.example.com': ['fec0::1'],
  'evil-ietf.example.com': ['192.0.0.170'],
};
const resolve = (host: string): Promise<string[]> => {
  const found = dns[host];
  return found ? Promise.resolve(found) : Promise.reject(new Error('ENOTFOUND'));
};

describe('webhook URL safety', () => {
  it.each([
    ['loopback IPv4', 'http://127.0.0.1/hook'],
    ['loopback, other /8 address', 'http://127.10.0.1/hook'],
    ['localhost', 'http://localhost:8080/hook'],
    ['a localhost subdomain', 'http://api.localhost/hook'],
    ['10/8', 'http://10.0.0.5/x'],
    ['172.16/12', 'http://172.16.3.4/x'],
    ['192.168/16', 'http://192.168.1.1/x'],
    ['carrier-grade NAT', 'http://100.64.1.1/x'],
    ['link-local metadata address', 'http://169.254.169.254/latest/meta-data'],
    ['the GCE metadata name', 'http://metadata.google.internal/computeMetadata/v1'],
    ['0.0.0.0', 'http://0.0.0.0/x'],
    ['multicast', 'http://224.0.0.1/x'],
    ['IPv6 loopback', 'http://[::1]/x'],
    ['IPv6 unspecified', 'http://[::]/x'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/x'],
    ['IPv4-mapped IPv6 private (hex form)', 'http://[::ffff:a00:1]/x'],
    ['IPv6 unique local', 'http://[fd00::1]/x'],
    ['IPv6 link-local', 'http://[fe80::1]/x'],
    ['decimal-encoded loopback', 'http://2130706433/x'],
    ['a non-http scheme', 'ftp://example.com/x'],
    ['a file URL', 'file:///etc/passwd'],
    ['credentials in the URL', 'https://user:pass@example.com/x'],
    ['a name resolving to loopback', 'https://evil-loopback.example.com/x'],
    ['a name resolving to a private address', 'https://evil-private.example.com/x'],
    ['a name resolving to the metadata server', 'http://evil-metadata.example.com/x'],
    ['a name with one private address among public ones', 'https://evil-mixed.example.com/x'],
    ['a name resolving to IPv6 loopback', 'https://evil-v6.example.com/x'],
    ['a name resolving to IPv6 unique local', 'https://evil-v6-ula.example.com/x'],
    ['a name resolving to an IPv4-mapped private address', 'https://evil-mapped.example.com/x'],
    ['a name resolving to carrier-grade NAT', 'https://evil-cgnat.example.com/x'],
    ['a name that does not resolve', 'https://nowhere.example.com/x'],
    ['NAT64 to loopback', 'http://[64:ff9b::7f00:1]/x'],
    ['NAT64 to the metadata server', 'http://[64:ff9b::a9fe:a9fe]/x'],
    ['NAT64 dotted form', 'http://[64:ff9b::169.254.169.254]/x'],
    ['local-use NAT64 64:ff9b:1::/48', 'http://[64:ff9b:1::a00:1]/x'],
    ['IPv4-compatible loopback (dotted)', 'http://[::127.0.0.1]/x'],
    ['IPv4-compatible metadata (hex)', 'http://[::a9fe:a9fe]/x'],
    ['6to4 with an embedded private address', 'http://[2002:c0a8:101::1]/x'],
    ['6to4 with an embedded loopback', 'http://[2002:7f00:1::]/x'],
    ['Teredo', 'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x'],
    ['IPv4-translated ::ffff:0:a.b.c.d', 'http://[::ffff:0:7f00:1]/x'],
    ['192.0.0.0/24 (IETF protocol assignments)', 'http://192.0.0.170/x'],
    ['site-local fec0::/10', 'http://[fec0::1]/x'],
    ['benchmarking 198.18/15', 'http://198.18.0.1/x'],
    ['documentation 203.0.113/24', 'http://203.0.113.9/x'],
    ['reserved 240/4', 'http://240.0.0.1/x'],
    ['broadcast', 'http://255.255.255.255/x'],
    ['IPv6 multicast', 'http://[ff02::1]/x'],
    ['IPv6 discard 100::/64', 'http://[100::1]/x'],
    ['IPv6 documentation', 'http://[2001:db8::1]/x'],
    ['IPv4-mapped metadata (hex)', 'http://[::ffff:a9fe:a9fe]/x'],
    ['octal-encoded private', 'http://012.0.0.1/x'],
    ['hex-encoded loopback', 'http://0x7f.1/x'],
    ['a name resolving to NAT64 metadata', 'https://evil-nat64.example.com/x'],
    ['a name resolving to 6to4 private', 'https://evil-6to4.example.com/x'],
    ['a name resolving to IPv4-compatible loopback', 'https://evil-compat.example.com/x'],
    ['a name resolving to site-local', 'https://evil-sitelocal.example.com/x'],
    ['a name resolving to 192.0.0.170', 'https://evil-ietf.example.com/x'],
  ])('refuses %s', async (_what, url) => {
    expect(await rejectWebhookTarget(url, false, resolve)).not.toBeNull();
  });

  it.each([
    ['a public name', 'https://hooks.example.com/visgate'],
    ['a public dual-stack name', 'https://dual.example.com/visgate?x=1'],
    ['a public IPv4 literal', 'http://93.184.216.34:8080/x'],
    ['a public IPv6 literal', 'https://[2001:4860:4860::8888]/x'],
    ['a public address in IPv4-mapped form', 'https://[::ffff:93.184.216.34]/x'],
  ])('accepts %s', async (_what, url) => {
    expect(await rejectWebhookTarget(url, false, resolve)).toBeNull();
  });

  it('accepts loopback receivers when private hosts are allowed (local mode), but still only http(s)', async () => {
    expect(await rejectWebhookTarget('http://127.0.0.1:9999/hook', true, resolve)).toBeNull();
    expect(rejectWebhookUrl('ftp://127.0.0.1/x', true)).not.toBeNull();
  });
});

/** The same predicate decides at creation (above) and at connect time (the sender's DNS lookup). */
describe('isNonPublicAddress (what the sender checks at connect time)', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '192.0.0.8',
    '0.0.0.0',
    '::1',
    '::',
    '::7f00:1',
    '::127.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:a00:1',
    '64:ff9b::7f00:1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b::808:808',
    '2002:808:808::1',
    '2001::1',
    'fec0::1',
    'fe80::1%eth0',
    'fd00::1',
    'not-an-address',
    '',
  ])('refuses %j', (ip) => {
    expect(isNonPublicAddress(ip)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:8.8.8.8'])(
    'allows %j',
    (ip) => {
      expect(isNonPublicAddress(ip)).toBe(false);
    },
  );
});
