import { inflateSync } from 'node:zlib';
import { simulatedPng } from './sim-image';

/** The PNG's chunks by type (the first of each), decoded just enough to check them. */
function chunks(png: Buffer): Map<string, Buffer[]> {
  const found = new Map<string, Buffer[]>();
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    found.set(type, [...(found.get(type) ?? []), png.subarray(at + 8, at + 8 + length)]);
    at += 12 + length;
  }
  return found;
}

describe('the simulated worker image', () => {
  it.each([
    [512, 512],
    [1024, 576],
    [64, 64],
    [8, 8],
  ])('is a real %i×%i RGB PNG whose pixels decode to that size', (width, height) => {
    const png = simulatedPng(width, height, 'a red fox', 42);
    const c = chunks(png);
    const ihdr = c.get('IHDR')![0]!;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([
      width,
      height,
      8,
      2,
    ]);
    const raw = inflateSync(Buffer.concat(c.get('IDAT')!));
    expect(raw.length).toBe(height * (width * 3 + 1));
  });

  it('says it is simulated, in its text chunk and in a band of white letters', () => {
    const png = simulatedPng(512, 512, 'a red fox', 7);
    const text = chunks(png)
      .get('tEXt')!
      .map((b) => b.toString('latin1'));
    expect(text.join('\n')).toMatch(/SIMULATED image, not a model's output/);
    const raw = inflateSync(Buffer.concat(chunks(png).get('IDAT')!));
    const middleRow = raw.subarray(256 * 1537 + 1, 257 * 1537);
    const white = [...Array(512).keys()].filter((x) => middleRow[x * 3] === 255).length;
    expect(white).toBeGreaterThan(20);
  });

  it('follows the prompt and seed, and is the same for the same ones', () => {
    const a = simulatedPng(32, 32, 'a red fox', 1);
    expect(simulatedPng(32, 32, 'a red fox', 1).equals(a)).toBe(true);
    expect(simulatedPng(32, 32, 'a red fox', 2).equals(a)).toBe(false);
    expect(simulatedPng(32, 32, 'a blue fox', 1).equals(a)).toBe(false);
  });
});
