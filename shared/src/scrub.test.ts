import { scrubSecrets } from './scrub';

describe('scrubSecrets', () => {
  it.each([
    ['a RunPod key', 'key rpa_ABCDEFGH12345678 here', 'rpa_ABCDEFGH12345678'],
    ['an HF token', 'token=hf_abcdefghijklmnop', 'hf_abcdefghijklmnop'],
    ['a webhook secret', `whsec_${'TEST'.repeat(8)}`, 'TEST'.repeat(8)],
    ['an AWS access key id', `AKIA${'TEST0000'.repeat(2)} in a message`, 'TEST0000TEST0000'],
    ['a bearer header', 'Authorization: Bearer abc.def', 'abc.def'],
    ['a presigned URL signature', 'https://b.s3/x?X-Amz-Signature=deadbeef&a=1', 'deadbeef'],
  ])('masks %s', (_what, text, secret) => {
    expect(scrubSecrets(text)).not.toContain(secret);
  });

  it('masks known secret values of any shape, and leaves ordinary text alone', () => {
    expect(scrubSecrets('the s3 secret is wJalrXUtnFEMI/K7MDENG', ['wJalrXUtnFEMI/K7MDENG'])).toBe(
      'the s3 secret is ***',
    );
    expect(scrubSecrets('model stabilityai/sd-turbo needs 4.3 GiB')).toBe(
      'model stabilityai/sd-turbo needs 4.3 GiB',
    );
  });
});
