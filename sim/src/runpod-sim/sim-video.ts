import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The MP4 the simulator returns for text-to-video jobs: a real H.264/yuv420p clip made by our
 * worker's encoder (`worker/scripts/make-sim-video.py`, PyAV with `+faststart`), so clients and
 * browsers decode exactly what the worker sends. The sim cannot encode video, so every job gets
 * this clip, and the job's output describes the clip as it really is (its frames, size and fps,
 * read from the file's boxes), not what the job asked for.
 */
export const SIMULATED_MP4_PATH = join(__dirname, 'assets', 'simulated.mp4');

export interface Mp4Facts {
  width: number;
  height: number;
  frames: number;
  fps: number;
  duration_s: number;
}

let cached: { bytes: Buffer; base64: string; facts: Mp4Facts } | null = null;

/**
 * The clip, as base64 and its facts, read once; throws when the bundled asset is missing or not an
 * MP4 with video (a broken checkout, not a job's fault).
 */
export function simulatedMp4(): { bytes: Buffer; base64: string; facts: Mp4Facts } {
  if (cached === null) {
    const bytes = readFileSync(SIMULATED_MP4_PATH);
    cached = { bytes, base64: bytes.toString('base64'), facts: mp4Facts(bytes) };
  }
  return cached;
}

interface Box {
  type: string;
  body: Buffer;
}

/** ISO/IEC 14496-12 §4.2: 32-bit size and type, size 1 = 64-bit size follows, 0 = to the end. */
function* boxes(buf: Buffer): Generator<Box> {
  let at = 0;
  while (at + 8 <= buf.length) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) {
      size = buf.length - at;
    }
    if (size < header || at + size > buf.length) return;
    yield { type, body: buf.subarray(at + header, at + size) };
    at += size;
  }
}

const child = (buf: Buffer, type: string): Buffer | undefined =>
  [...boxes(buf)].find((b) => b.type === type)?.body;

/**
 * Size, frame count and timing of the first video track: `tkhd` width/height (16.16 fixed point,
 * §8.3.2), `mdhd` timescale and duration (§8.4.2), `stsz` sample count (§8.7.3), `hdlr` 'vide'.
 */
export function mp4Facts(file: Buffer): Mp4Facts {
  const moov = child(file, 'moov');
  for (const trak of moov ? [...boxes(moov)].filter((b) => b.type === 'trak') : []) {
    const tkhd = child(trak.body, 'tkhd');
    const mdia = child(trak.body, 'mdia');
    const hdlr = mdia && child(mdia, 'hdlr');
    const mdhd = mdia && child(mdia, 'mdhd');
    const minf = mdia && child(mdia, 'minf');
    const stbl = minf && child(minf, 'stbl');
    const stsz = stbl && child(stbl, 'stsz');
    if (!tkhd || !hdlr || !mdhd || !stsz || hdlr.toString('latin1', 8, 12) !== 'vide') continue;
    const sizeAt = tkhd[0] === 1 ? 88 : 76;
    const [timescale, duration] =
      mdhd[0] === 1
        ? [mdhd.readUInt32BE(20), Number(mdhd.readBigUInt64BE(24))]
        : [mdhd.readUInt32BE(12), mdhd.readUInt32BE(16)];
    const frames = stsz.readUInt32BE(8);
    const durationS = duration / timescale;
    return {
      width: tkhd.readUInt32BE(sizeAt) >>> 16,
      height: tkhd.readUInt32BE(sizeAt + 4) >>> 16,
      frames,
      fps: Math.round((frames / durationS) * 1000) / 1000,
      duration_s: Math.round(durationS * 1e6) / 1e6,
    };
  }
  throw new Error('not an MP4 with a video track');
}

/**
 * How an MP4 is laid out, for tests of what clients receive: its top-level boxes in order (`moov`
 * before `mdat` is `+faststart`) and the first video sample entry's codec (`stsd`, §8.5.2: `avc1`
 * is H.264).
 */
export function mp4Layout(file: Buffer): { topLevel: string[]; codec: string | null } {
  const topLevel = [...boxes(file)].map((b) => b.type);
  let codec: string | null = null;
  const moov = child(file, 'moov');
  for (const trak of moov ? [...boxes(moov)].filter((b) => b.type === 'trak') : []) {
    const mdia = child(trak.body, 'mdia');
    const minf = mdia && child(mdia, 'minf');
    const stbl = minf && child(minf, 'stbl');
    const stsd = stbl && child(stbl, 'stsd');
    if (stsd && stsd.length >= 16) {
      codec = stsd.toString('latin1', 12, 16); // version/flags, entry count, entry size, type
      break;
    }
  }
  return { topLevel, codec };
}
