const PATTERNS: readonly [RegExp, string][] = [
  [/\brpa_[A-Za-z0-9_-]{8,}/g, 'rpa_***'],
  [/\bhf_[A-Za-z0-9_-]{8,}/g, 'hf_***'],
  [/\bwhsec_[A-Za-z0-9+/=]{8,}/g, 'whsec_***'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, '$1***'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 ***'],
  [
    /([?&](?:api_key|apikey|token|access_token|X-Amz-Signature|X-Amz-Credential|Signature)=)[^&\s"']+/gi,
    '$1***',
  ],
];

/**
 * Replaces anything shaped like a credential (RunPod keys, HF tokens, webhook secrets, AWS key ids,
 * bearer headers, signed-URL parameters) and every `known` secret value with a mask. Used on every
 * upstream body we quote and every log line.
 */
export function scrubSecrets(
  text: string,
  known: readonly (string | null | undefined)[] = [],
): string {
  let out = text;
  for (const secret of known) {
    if (secret && secret.length >= 6) out = out.split(secret).join('***');
  }
  for (const [re, mask] of PATTERNS) out = out.replace(re, mask);
  return out;
}
