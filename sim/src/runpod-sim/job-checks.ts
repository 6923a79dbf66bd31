import {
  FAMILY_DEFAULTS,
  JobInputSchema,
  checkJobForDeployment,
  familyOf,
  type JobInput,
  type ModelFamily,
} from '@visgate/shared';
import { readInitImage, type InitImage } from './init-image';

/**
 * The checks our worker makes before it runs a job (worker/src/visgate_worker/job_input.py and the
 * issue 16 contract), so a job the real worker refuses fails here too, with the worker's codes:
 * the job-input schema, the deployment's kind from its env (`VISGATE_TASK`, `VISGATE_PIPELINE`,
 * `VISGATE_MODEL_ID`, `VISGATE_LORAS`), the family's size limits and alignment, the video family's
 * frame rule, and init images that decode (≤ 4096×4096).
 */

export interface CheckedJob {
  input: JobInput;
  video: VideoFamily | null;
  /** The image family, when the endpoint is one of ours (its env names the model). */
  family: ModelFamily | null;
  /** Adapters the deployment loads itself (`VISGATE_LORAS`). */
  deploymentLoras: { name: string; scale: number }[];
  image: InitImage | null;
}

/** Wan: frames 4k+1 (VAE temporal compression 4); CogVideoX: 8k+1. */
export interface VideoFamily {
  name: 'wan' | 'cogvideox' | 'other';
  frameStep: number;
}

const VIDEO_FAMILIES: readonly (readonly [RegExp, VideoFamily])[] = [
  [/^Wan/, { name: 'wan', frameStep: 4 }],
  [/^CogVideoX/, { name: 'cogvideox', frameStep: 8 }],
];

/** Sides must be a multiple of this per family (job_input.py SIDE_ALIGNMENT). */
export function sideAlignment(family: ModelFamily | null): number {
  return family === 'sd3' || family === 'flux' || family === 'pixart' ? 16 : 8;
}

const MAX_INIT_PIXELS_SIDE = 4096;

type Refusal = { code: string; message: string };

export function checkSimJob(
  raw: Record<string, unknown>,
  env: Record<string, string>,
): CheckedJob | Refusal {
  const invalid = (message: string): Refusal => ({ code: 'invalid_input', message });
  const parsed = JobInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return invalid(`${issue.path.join('.') || 'input'}: ${issue.message}`);
  }
  const input = parsed.data;
  const ours = env.VISGATE_MODEL_ID !== undefined && env.VISGATE_MODEL_ID !== '';
  const pipeline = env.VISGATE_PIPELINE || null;
  const video = env.VISGATE_TASK === 'text-to-video';
  const videoFamily = video
    ? (VIDEO_FAMILIES.find(([re]) => re.test(pipeline ?? ''))?.[1] ?? {
        name: 'other',
        frameStep: 1,
      })
    : null;
  const family = ours && !video ? familyOf(pipeline, env.VISGATE_MODEL_ID!) : null;
  const deploymentLoras = parseLoras(env.VISGATE_LORAS);
  if (ours) {
    const misfit = checkJobForDeployment(input, {
      video,
      family: videoFamily?.name ?? family ?? 'other',
      deploymentLoras: deploymentLoras.length,
    })[0];
    if (misfit) return invalid(`${misfit.path}: ${misfit.message}`);
  }
  if (videoFamily !== null && input.num_frames !== undefined) {
    const step = videoFamily.frameStep;
    if ((input.num_frames - 1) % step !== 0) {
      const below = input.num_frames - ((input.num_frames - 1) % step);
      return invalid(
        `num_frames: must be ${step}k+1 for a ${videoFamily.name} model (nearest: ${below} or ${below + step})`,
      );
    }
  }
  if (family !== null) {
    const limit = FAMILY_DEFAULTS[family].maxResolution;
    const align = sideAlignment(family);
    for (const key of ['width', 'height'] as const) {
      const side = input[key];
      if (side !== undefined && side > limit)
        return invalid(`${key}: must be at most ${limit} for a ${family} model`);
      if (side !== undefined && side % align !== 0)
        return invalid(`${key}: must be a multiple of ${align} for a ${family} model`);
    }
  }
  let image: InitImage | null = null;
  for (const key of ['image', 'mask'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    const read = readInitImage(value);
    if (read === null)
      return { code: 'image_invalid', message: `${key}: not a PNG, JPEG or WebP image` };
    if (read.kind === 'data' && Math.max(read.width, read.height) > MAX_INIT_PIXELS_SIDE)
      return { code: 'image_invalid', message: `${key}: larger than 4096×4096` };
    if (key === 'image') image = read;
  }
  if (input.image !== undefined && input.num_inference_steps !== undefined) {
    // The worker (job_input.py): diffusers runs int(steps × strength) steps, and none is an error.
    const strength = input.strength ?? (input.mask !== undefined ? 1 : 0.8);
    if (Math.floor(input.num_inference_steps * strength) < 1)
      return invalid('strength: num_inference_steps × strength must be at least 1');
  }
  return { input, video: videoFamily, family, deploymentLoras, image };
}

export function isRefusal(v: CheckedJob | Refusal): v is Refusal {
  return 'code' in v;
}

/** `VISGATE_LORAS` as provision writes it: `[{"name", "repo", "revision", "file", "scale", …}]`. */
function parseLoras(raw: string | undefined): { name: string; scale: number }[] {
  if (raw === undefined || raw === '') return [];
  try {
    const list = JSON.parse(raw) as unknown;
    if (!Array.isArray(list)) return [];
    return list.map((l: { name?: unknown; scale?: unknown }, i) => ({
      name: typeof l.name === 'string' ? l.name : `lora_${i}`,
      scale: typeof l.scale === 'number' ? l.scale : 1,
    }));
  } catch {
    return [];
  }
}
