import { scrubSecrets as scrubShared } from '@visgate/shared';

/** Longest upstream text quoted in an error message. */
export const MAX_QUOTED_CHARS = 300;

/**
 * Upstream text made safe to quote: the given secrets and anything shaped like a credential
 * masked (shared scrubSecrets), whitespace collapsed, capped at MAX_QUOTED_CHARS.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  const out = scrubShared(text, secrets).replace(/\s+/g, ' ').trim();
  return out.length > MAX_QUOTED_CHARS ? `${out.slice(0, MAX_QUOTED_CHARS)}…` : out;
}
