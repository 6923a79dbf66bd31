import { readFile } from 'node:fs/promises';
import { intFlag, stringFlag } from './args';
import type { Flags } from './flags';
import { usageError } from './errors';

/**
 * The job fields of `visgate run` beyond the prompt: an init image and mask (`--image`, `--mask`:
 * a file, sent as base64, or an https URL the worker fetches), `--strength`, video frames and fps,
 * and per-request LoRA adapters. Everything the API would refuse for the command line alone is
 * refused here first, so nothing is sent (or billed) for a mistyped command.
 */

/** The API takes at most this many characters of base64 per image (RunPod's 10 MB request cap). */
const MAX_IMAGE_CHARS = 8_000_000;
const MAX_LORAS = 5;

const IMAGE_TYPES: readonly (readonly [string, (b: Buffer) => boolean])[] = [
  ['png', (b) => b.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'))],
  ['jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['webp', (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP'],
];

/** `--image`/`--mask`: an https URL as is, a file as a `data:image/…;base64,` URL. */
export async function imageValue(
  flag: 'image' | 'mask',
  value: string,
  read: (path: string) => Promise<Buffer> = readFile,
): Promise<string> {
  if (/^https:\/\//i.test(value)) return value;
  if (/^[a-z]+:\/\//i.test(value))
    throw usageError(`--${flag} takes a file or an https URL, got "${value}"`, 'run');
  let bytes: Buffer;
  try {
    bytes = await read(value);
  } catch {
    throw usageError(`--${flag}: cannot read ${value}`, 'run');
  }
  const type = IMAGE_TYPES.find(([, is]) => is(bytes))?.[0];
  if (type === undefined) throw usageError(`--${flag}: ${value} is not a PNG, JPEG or WebP`, 'run');
  const data = `data:image/${type};base64,${bytes.toString('base64')}`;
  if (data.length > MAX_IMAGE_CHARS) {
    throw usageError(
      `--${flag}: ${value} is ${Math.round(bytes.length / 1e6)} MB, above the ~6 MB a job can carry; pass an https URL instead`,
      'run',
    );
  }
  return data;
}

/** `--lora org/name[@revision][:scale]` or `--lora https://…/x.safetensors[:scale]`. */
export function loraValue(value: string): Record<string, unknown> {
  const m = /^(.+?)(?::(-?\d+(?:\.\d+)?))?$/.exec(value.trim());
  const source = m?.[1] ?? '';
  const scale = m?.[2] === undefined ? undefined : Number(m[2]);
  if (scale !== undefined && !(scale >= -4 && scale <= 4))
    throw usageError(`--lora scale must be between -4 and 4, got ${m?.[2]}`, 'run');
  const withScale = (o: Record<string, unknown>) => (scale === undefined ? o : { ...o, scale });
  if (/^https:\/\//i.test(source)) {
    if (!/\.safetensors$/i.test(source.split('?')[0] ?? ''))
      throw usageError(`--lora URL must point at a .safetensors file, got "${source}"`, 'run');
    return withScale({ url: source });
  }
  const hub = /^([\w.-]+\/[\w.-]+)(?:@([\w./-]+))?$/.exec(source);
  if (hub === null) {
    throw usageError(
      `--lora takes org/name[@revision][:scale] or an https URL to a .safetensors file, got "${value}"`,
      'run',
    );
  }
  return withScale({ hf_repo: hub[1], ...(hub[2] ? { revision: hub[2] } : {}) });
}

/** `--strength`: a number in (0, 1]. */
function strengthValue(flags: Flags): number | undefined {
  const raw = stringFlag(flags, 'strength');
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || !(n > 0 && n <= 1))
    throw usageError(`--strength must be a number above 0 and at most 1, got "${raw}"`, 'run');
  return n;
}

/**
 * The input fields these flags add for a job whose output goes to `format` (`mp4` makes it a video
 * job). Refuses combinations no deployment takes: a mask or strength without an image, frames or
 * fps without an .mp4 output, an init image for a video.
 */
export async function jobInputFlags(
  flags: Flags,
  format: string,
  read?: (path: string) => Promise<Buffer>,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const image = stringFlag(flags, 'image');
  const mask = stringFlag(flags, 'mask');
  const strength = strengthValue(flags);
  if (mask !== undefined && image === undefined)
    throw usageError('--mask needs --image (the picture the mask applies to)', 'run');
  if (strength !== undefined && image === undefined)
    throw usageError('--strength needs --image (it says how far to move from it)', 'run');
  const video = format === 'mp4';
  if (video && image !== undefined)
    throw usageError(
      '--image is for image deployments; a video (-o *.mp4) starts from text',
      'run',
    );
  for (const flag of ['frames', 'fps'] as const) {
    if (!video && stringFlag(flags, flag) !== undefined)
      throw usageError(`--${flag} is for video: write it to an .mp4 file (-o out.mp4)`, 'run');
  }
  if (image !== undefined) out.image = await imageValue('image', image, read);
  if (mask !== undefined) out.mask = await imageValue('mask', mask, read);
  if (strength !== undefined) out.strength = strength;
  const frames = intFlag(flags, 'frames');
  if (frames !== undefined) out.num_frames = frames;
  const fps = intFlag(flags, 'fps');
  if (fps !== undefined) out.fps = fps;
  const loras = flags.lora;
  const list = Array.isArray(loras) ? loras : typeof loras === 'string' ? [loras] : [];
  if (list.length > MAX_LORAS)
    throw usageError(`at most ${MAX_LORAS} --lora per job, got ${list.length}`, 'run');
  if (list.length > 0) out.loras = list.map(loraValue);
  return out;
}
