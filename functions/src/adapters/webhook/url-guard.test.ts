import { rejectWebhookTarget, rejectWebhookUrl } from './url-guard';

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
  ])('refuses %s', async (_what, url) => {
    expect(await rejectWebhookTarget(url, false, resolve)).not.toBeNull();
  });

  it.each([
    ['a public name', 'https://hooks.example.com/visgate'],
    ['a public dual-stack name', 'https://dual.example.com/visgate?x=1'],
    ['a public IPv4 literal', 'http://93.184.216.34:8080/x'],
  ])('accepts %s', async (_what, url) => {
    expect(await rejectWebhookTarget(url, false, resolve)).toBeNull();
  });

  it('accepts loopback receivers when private hosts are allowed (local mode), but still only http(s)', async () => {
    expect(await rejectWebhookTarget('http://127.0.0.1:9999/hook', true, resolve)).toBeNull();
    expect(rejectWebhookUrl('ftp://127.0.0.1/x', true)).not.toBeNull();
  });
});
