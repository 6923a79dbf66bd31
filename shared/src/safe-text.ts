import { z } from 'zod';

/**
 * Visible ASCII (0x21-0x7E): the characters a credential or a URL may hold so that it is safe in an
 * HTTP header (`Authorization: Bearer …`, a signed S3 request), in a URL and on a log line. A
 * newline, a control character or `\u0100` in an HF token would otherwise reach `fetch` and fail
 * there as a 500 or a step retried forever.
 */
export const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** A credential (token, access key): 1..max visible ASCII characters. */
export function credentialSchema(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .regex(
      VISIBLE_ASCII,
      'must be visible ASCII characters (no spaces, control or non-ASCII characters)',
    );
}

/**
 * An http(s) URL we will call or pass on: visible ASCII only (percent-encode a path, punycode a
 * host), so what is stored is exactly what is requested — `new URL` silently drops tabs and newlines.
 */
export function outboundUrlSchema(max = 2048) {
  // The charset check runs first: z.url() alone would accept "https://a/b\nc" and return it normalized.
  return z
    .string()
    .max(max)
    .regex(
      VISIBLE_ASCII,
      'must be ASCII without spaces or control characters (percent-encode the rest)',
    )
    .pipe(z.url({ protocol: /^https?$/ }));
}

/**
 * Text without C0/C1 control characters and the Unicode line/paragraph separators; a regex (not a
 * refine) so the OpenAPI document states it as a `pattern`.
 */
// eslint-disable-next-line no-control-regex
const NO_CONTROL = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;

/** A UTF-16 surrogate without its pair: not Unicode text, and not encodable as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Free text stored and echoed back (metadata): no control characters, no lone surrogates. */
export function plainTextSchema(min: number, max: number) {
  return z
    .string()
    .min(min)
    .max(max)
    .regex(NO_CONTROL, 'must not contain control characters or line breaks')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no lone surrogates)');
}

/** Keys no object input may carry: they name or reach `Object.prototype` in JavaScript. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/**
 * Every path (`metadata.__proto__`, `input.constructor`) at which a parsed JSON value holds a
 * forbidden key. `JSON.parse` makes `__proto__` an own key, so it is found like any other. Walks
 * iteratively (any nesting depth) and stops after `limit` findings.
 */
export function forbiddenKeyPaths(value: unknown, limit = 20): string[] {
  interface At {
    key: string;
    parent: At | null;
  }
  const pathOf = (at: At): string => {
    const keys: string[] = [];
    for (let a: At | null = at; a !== null; a = a.parent) keys.push(a.key);
    return keys.reverse().join('.');
  };
  const found: string[] = [];
  const stack: { v: unknown; at: At | null }[] = [{ v: value, at: null }];
  while (stack.length > 0 && found.length < limit) {
    const { v, at } = stack.pop() as { v: unknown; at: At | null };
    if (v === null || typeof v !== 'object') continue;
    for (const key of Object.keys(v)) {
      const here: At = { key, parent: at };
      if (FORBIDDEN_KEYS.has(key)) found.push(pathOf(here));
      stack.push({ v: (v as Record<string, unknown>)[key], at: here });
    }
  }
  return found.sort();
}
