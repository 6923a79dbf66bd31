import { rejectWebhookUrl } from './url-guard';

describe('rejectWebhookUrl', () => {
  it.each([
    'http://127.0.0.1/hook',
    'http://localhost:8080/hook',
    'http://10.0.0.5/x',
    'http://172.16.3.4/x',
    'http://192.168.1.1/x',
    'http://169.254.169.254/latest/meta-data',
    'http://metadata.google.internal/computeMetadata/v1',
    'http://[::1]/x',
    'http://[::ffff:127.0.0.1]/x',
    'http://[fd00::1]/x',
    'http://0.0.0.0/x',
    'ftp://example.com/x',
    'https://user:pass@example.com/x',
  ])('refuses %s in production', (url) => {
    expect(rejectWebhookUrl(url, false)).not.toBeNull();
  });

  it.each(['https://hooks.example.com/visgate', 'http://203.0.113.7:8080/x'])(
    'accepts %s',
    (url) => {
      expect(rejectWebhookUrl(url, false)).toBeNull();
    },
  );

  it('accepts loopback receivers when private hosts are allowed (local mode)', () => {
    expect(rejectWebhookUrl('http://127.0.0.1:9999/hook', true)).toBeNull();
  });
});
