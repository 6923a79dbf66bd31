import {
  credentialSchema,
  forbiddenKeyPaths,
  outboundUrlSchema,
  plainTextSchema,
} from './safe-text';

describe('header-safe strings', () => {
  it.each(['hf_\u0100', 'hf_a\nb', 'hf_a\rb', 'hf_\u0000', 'hf_a b', 'hf_\t', 'hf_\u007f', ''])(
    'a credential refuses %j',
    (s) => {
      expect(credentialSchema(512).safeParse(s).success).toBe(false);
    },
  );

  it('a credential keeps a real token as it is', () => {
    expect(credentialSchema(512).parse('hf_AbC123-._~+/=')).toBe('hf_AbC123-._~+/=');
  });

  it.each([
    'https://example.com/a\nb',
    'https://example.com/a\tb',
    'https://exa mple.com/',
    'https://bücher.de/',
    'ftp://example.com/',
    'not a url',
  ])('an outbound URL refuses %j (z.url alone would normalize some of them)', (s) => {
    expect(outboundUrlSchema().safeParse(s).success).toBe(false);
  });

  it('an outbound URL is stored exactly as sent', () => {
    const url = 'https://xn--bcher-kva.de/hook?a=%C3%A9';
    expect(outboundUrlSchema().parse(url)).toBe(url);
  });

  it.each(['a\nb', 'a\u0085b', 'a\u2028b', 'a\ud800', '\udc00a'])('plain text refuses %j', (s) => {
    expect(plainTextSchema(0, 512).safeParse(s).success).toBe(false);
  });

  it('plain text keeps any other Unicode', () => {
    expect(plainTextSchema(0, 512).parse('équipe 🚀 チーム')).toBe('équipe 🚀 チーム');
  });
});

describe('forbiddenKeyPaths', () => {
  it('finds __proto__ as JSON.parse makes it (an own key), constructor and prototype, at any depth', () => {
    const body = JSON.parse(
      '{"a":{"__proto__":{"x":1}},"b":[{"constructor":1}],"c":{"d":{"prototype":2}},"ok":{"k":1}}',
    ) as unknown;
    expect(forbiddenKeyPaths(body)).toEqual(['a.__proto__', 'b.0.constructor', 'c.d.prototype']);
  });

  it('returns nothing for ordinary bodies and non-objects', () => {
    expect(forbiddenKeyPaths({ metadata: { team: 'x' } })).toEqual([]);
    expect(forbiddenKeyPaths(undefined)).toEqual([]);
    expect(forbiddenKeyPaths('__proto__')).toEqual([]);
  });

  it('walks 100 000 levels of nesting without overflowing the stack', () => {
    const deep = JSON.parse(
      `${'{"a":'.repeat(100_000)}{"__proto__":1}${'}'.repeat(100_000)}`,
    ) as unknown;
    expect(forbiddenKeyPaths(deep)).toHaveLength(1);
  });
});
