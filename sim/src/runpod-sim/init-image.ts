/**
 * An init image or mask as our worker reads it from a job (API.md "Worker contract"): base64,
 * optionally a `data:image/…;base64,` URL, decoded and refused when it is not a PNG, JPEG or WebP
 * (`image_invalid`), or an https URL. The sim serves loopback only, so it does not fetch URLs: an
 * URL image counts as fetched, with no size of its own.
 */

export type InitImage = { kind: 'url' } | { kind: 'data'; width: number; height: number };

/** The image's size, `{kind: 'url'}`, or null when the data is not an image the worker decodes. */
export function readInitImage(value: string): InitImage | null {
  if (value.startsWith('https://')) return { kind: 'url' };
  const bytes = Buffer.from(value.replace(/^data:image\/[a-z]+;base64,/, ''), 'base64');
  const size = pngSize(bytes) ?? jpegSize(bytes) ?? webpSize(bytes);
  return size === null || size.width === 0 || size.height === 0 ? null : { kind: 'data', ...size };
}

type Size = { width: number; height: number } | null;

/** Width and height from a PNG's IHDR (PNG spec §5.2, §11.2.2), or null when `b` is not a PNG. */
export function pngSize(b: Buffer): Size {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (b.length < 24 || !b.subarray(0, 8).equals(signature)) return null;
  if (b.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** JPEG: the first SOFn segment (ITU T.81 §B.2.2) holds height then width after the precision. */
function jpegSize(b: Buffer): Size {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1]!;
    const length = b.readUInt16BE(at + 2);
    const sof = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (sof) return { width: b.readUInt16BE(at + 7), height: b.readUInt16BE(at + 5) };
    at += 2 + length;
  }
  return null;
}

/** WebP: RIFF container; lossy `VP8 `, lossless `VP8L` or extended `VP8X` header (RFC 9649 §2). */
function webpSize(b: Buffer): Size {
  if (b.length < 30 || b.toString('latin1', 0, 4) !== 'RIFF') return null;
  if (b.toString('latin1', 8, 12) !== 'WEBP') return null;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ')
    return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  return null;
}
