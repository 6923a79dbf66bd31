import {
  FAMILY_DEFAULTS,
  JobInputSchema,
  checkJobForDeployment,
  familyOf,
  videoDefaults,
  type JobLora,
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
  /** A text-to-video endpoint (`VISGATE_TASK`). */
  video: boolean;
  /** The model's family, when the endpoint is one of ours (its env names the model). */
  family: ModelFamily | null;
  modelId: string | null;
  /** Adapters the deployment loads itself (`VISGATE_LORAS`). */
  deploymentLoras: { name: string; scale: number }[];
  image: InitImage | null;
}

/** Sides must be a multiple of this per family (job_input.py SIDE_ALIGNMENT). */
export function sideAlignment(family: ModelFamily | null): number {
  const patched: (ModelFamily | null)[] = ['sd3', 'flux', 'pixart', 'wan', 'cogvideox'];
  return patched.includes(family) ? 16 : 8;
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
  const modelId = env.VISGATE_MODEL_ID || null;
  const video = env.VISGATE_TASK === 'text-to-video';
  const family = modelId === null ? null : familyOf(env.VISGATE_PIPELINE || null, modelId);
  const deploymentLoras = parseLoras(env.VISGATE_LORAS);
  if (family !== null) {
    const misfit = checkJobForDeployment(input, {
      video,
      family,
      deploymentLoras: deploymentLoras.length,
    })[0];
    if (misfit) return invalid(`${misfit.path}: ${misfit.message}`);
  }
  const rule = video && family !== null ? videoDefaults(family)?.frameRule : undefined;
  if (rule !== undefined && input.num_frames !== undefined) {
    const step = Number(rule.split('k')[0]);
    if ((input.num_frames - 1) % step !== 0) {
      const below = input.num_frames - ((input.num_frames - 1) % step);
      return invalid(
        `num_frames: must be ${step}k+1 for a ${family} model (nearest: ${below} or ${below + step})`,
      );
    }
  }
  const sources = (input.loras ?? []).map(adapterKey);
  if (new Set(sources).size !== sources.length)
    return invalid('loras: the same adapter is listed twice'); // lora_adapters.py
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
  return { input, video, family, modelId, deploymentLoras, image };
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

/** What identifies a job's adapter before it is fetched: its URL without the query, or repo@rev/file. */
export function adapterKey(l: JobLora): string {
  if ('url' in l) return l.url.split('?')[0]!;
  return [l.hf_repo, l.revision ?? 'main', l.weight_name ?? ''].join(':');
}
