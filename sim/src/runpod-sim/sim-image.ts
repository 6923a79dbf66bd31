import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

/**
 * The picture the played worker returns: a real PNG of exactly the requested width × height (what
 * the real worker's image has), so a client that saves, decodes or shows it gets what it would get
 * from RunPod, plus an unmistakable "SIMULATED" band across the middle and a PNG text chunk saying
 * so, so nobody mistakes it for a model's output. The colours follow the prompt and seed.
 */
export function simulatedPng(width: number, height: number, prompt: string, seed: number): Buffer {
  const key = `${width}x${height}:${seed}:${prompt}`;
  const hit = recent.get(key);
  if (hit) return hit;
  const png = encodePng(width, height, paint(width, height, prompt, seed), {
    Software: 'visgate RunPod simulator',
    Comment: `SIMULATED image, not a model's output (prompt: ${prompt.slice(0, 200)}, seed ${seed})`,
  });
  recent.set(key, png);
  if (recent.size > 8) recent.delete(recent.keys().next().value as string);
  return png;
}

/** The last few images: a load test asks for the same size and seed over and over. */
const recent = new Map<string, Buffer>();

/** Largest side painted; bigger requests are refused by the API's job schema long before this. */
const MAX_SIDE = 4096;

function paint(width: number, height: number, prompt: string, seed: number): Buffer {
  const w = Math.min(Math.max(width, 1), MAX_SIDE);
  const h = Math.min(Math.max(height, 1), MAX_SIDE);
  const digest = createHash('sha256').update(`${seed}\0${prompt}`).digest();
  const [r0, g0, b0, r1, g1, b1] = digest;
  // A diagonal gradient between two colours, through a 256-step table (fast enough for 2048²).
  const table = Buffer.alloc(256 * 3);
  for (let i = 0; i < 256; i++) {
    table[i * 3] = mix(r0, r1, i / 255);
    table[i * 3 + 1] = mix(g0, g1, i / 255);
    table[i * 3 + 2] = mix(b0, b1, i / 255);
  }
  const stride = w * 3 + 1;
  const px = Buffer.alloc(stride * h);
  const spanX = Math.max(w - 1, 1);
  const spanY = Math.max(h - 1, 1);
  for (let y = 0; y < h; y++) {
    const ty = y / spanY;
    let o = y * stride + 1; // each row starts with filter type 0 (none)
    for (let x = 0; x < w; x++, o += 3) {
      const i = ((((x / spanX + ty) / 2) * 255) | 0) * 3;
      px[o] = table[i]!;
      px[o + 1] = table[i + 1]!;
      px[o + 2] = table[i + 2]!;
    }
  }
  stamp(px, w, h, stride, 'SIMULATED');
  return px;
}

const mix = (a = 0, b = 0, t: number): number => Math.round(a + (b - a) * t);

/** 5×7 glyphs, one string of 7 rows of 5 bits per letter. */
const GLYPHS: Record<string, number[]> = {
  S: [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e],
  I: [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e],
  M: [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11],
  U: [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
  L: [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
  A: [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
  T: [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
  E: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f],
  D: [0x1e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1e],
};

/** A dark band across the middle with `text` in white, as large as the width allows. */
function stamp(px: Buffer, w: number, h: number, stride: number, text: string): void {
  const cells = text.length * 6 - 1;
  const scale = Math.min(Math.floor((w * 0.8) / cells), Math.floor((h * 0.5) / 9));
  if (scale < 1) return;
  const bandTop = Math.floor(h / 2 - (9 * scale) / 2);
  const left = Math.floor((w - cells * scale) / 2);
  const set = (x: number, y: number, v: number): void => {
    const o = y * stride + 1 + x * 3;
    px[o] = v;
    px[o + 1] = v;
    px[o + 2] = v;
  };
  for (let y = bandTop; y < bandTop + 9 * scale; y++) for (let x = 0; x < w; x++) set(x, y, 24);
  for (let i = 0; i < text.length; i++) {
    const rows = GLYPHS[text.charAt(i)] ?? [];
    rows.forEach((bits, row) => {
      for (let col = 0; col < 5; col++) {
        if (!((bits >> (4 - col)) & 1)) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            set(left + (i * 6 + col) * scale + dx, bandTop + (row + 1) * scale + dy, 255);
          }
        }
      }
    });
  }
}

function encodePng(w: number, h: number, px: Buffer, text: Record<string, string>): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter method, no interlace
  const texts = Object.entries(text).map(([k, v]) =>
    chunk('tEXt', Buffer.from(`${k}\0${v}`, 'latin1')),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    ...texts,
    chunk('IDAT', deflateSync(px, { level: 3 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
