/** Longest upstream text quoted in an error message. */
export const MAX_QUOTED_CHARS = 300;

/**
 * Removes the given secrets and anything shaped like a RunPod key (`rpa_…`) or a bearer credential
 * from upstream text, collapses whitespace and caps it at MAX_QUOTED_CHARS.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  out = out
    .replace(/rpa_[A-Za-z0-9_-]+/g, '[redacted]')
    .replace(/Bearer\s+[^\s"',;]+/gi, 'Bearer [redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  return out.length > MAX_QUOTED_CHARS ? `${out.slice(0, MAX_QUOTED_CHARS)}…` : out;
}
