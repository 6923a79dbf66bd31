import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hashing } from './model-cache';

const vectors = JSON.parse(
  readFileSync(
    join(__dirname, '..', '..', '..', '..', 'shared', 'test-vectors', 'cache-part-digests.json'),
    'utf8',
  ),
) as {
  digests: {
    name: string;
    size: number;
    part_size: number;
    sha256: string;
    part_sha256: string[];
    part_crc32: string[];
  }[];
};

/** A sink that takes every chunk. */
const discard = (): Writable =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });

/** The vector's content (byte i is i % 251) in pieces of `piece` bytes, as a stream delivers it. */
function content(size: number, piece: number): Readable {
  const all = Buffer.from(Array.from({ length: size }, (_, i) => i % 251));
  const chunks: Buffer[] = [];
  for (let o = 0; o < size; o += piece) chunks.push(all.subarray(o, o + piece));
  return Readable.from(chunks);
}

describe('the fill digests each part as the bytes stream through (the worker checks the same vectors)', () => {
  test.each(vectors.digests.flatMap((v) => [1, 3, 7, 4096].map((piece) => ({ ...v, piece }))))(
    '$name, in $piece-byte pieces',
    async ({ size, part_size, sha256, part_sha256, part_crc32, piece }) => {
      const { t, result } = hashing(null, size, 'unet/w.safetensors', part_size);
      await pipeline(content(size, piece), t, discard());
      expect(result()).toEqual({ sha256, part_size, part_sha256, part_crc32 });
    },
  );

  test('a file whose bytes do not match the Hub’s sha256 fails the copy', async () => {
    const { t } = hashing('0'.repeat(64), 10, 'unet/w.safetensors', 4);
    await expect(pipeline(content(10, 3), t, discard())).rejects.toThrow(
      'unet/w.safetensors: sha256 mismatch',
    );
  });
});
