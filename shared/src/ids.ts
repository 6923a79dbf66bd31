const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Encodes bytes as lowercase RFC 4648 base32 without padding (URL- and RunPod-name-safe). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET.charAt((value << (5 - bits)) & 31);
  return out;
}

/** A deployment id from 16 random bytes (128 bits): `dpl_` + 26 base32 characters. */
export function deploymentId(random16: Uint8Array): string {
  if (random16.length < 16) throw new Error('deploymentId needs 16 random bytes');
  return `dpl_${base32(random16.subarray(0, 16))}`;
}

export const DEPLOYMENT_ID_PATTERN = /^dpl_[a-z2-7]{26}$/;

/** The name every RunPod resource of a deployment carries, so a crashed step can find and adopt it. */
export function runpodResourceName(deploymentId: string): string {
  return `visgate-${deploymentId}`;
}
