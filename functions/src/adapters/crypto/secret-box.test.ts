import { randomBytes } from 'node:crypto';
import { createSecretBox } from './secret-box';

describe('secret box', () => {
  const box = createSecretBox(randomBytes(32));

  it('round-trips a secret bound to its id, and the sealed form does not contain it', () => {
    const sealed = box.seal('rpa_PLAINTEXT_SECRET', 'dpl_1');
    expect(sealed).not.toContain('PLAINTEXT');
    expect(box.open(sealed, 'dpl_1')).toBe('rpa_PLAINTEXT_SECRET');
  });

  it('refuses to open a blob under another id, another key, or after tampering', () => {
    const sealed = box.seal('secret', 'dpl_1');
    expect(() => box.open(sealed, 'dpl_2')).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'dpl_1')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'dpl_1')).toThrow();
  });
});
