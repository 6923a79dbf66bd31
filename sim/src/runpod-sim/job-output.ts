import { createHash } from 'node:crypto';
import { FAMILY_DEFAULTS, inferenceDefaults } from '@visgate/shared';
import { adapterKey, checkSimJob, isRefusal, sideAlignment, type CheckedJob } from './job-checks';
import { simulatedPng } from './sim-image';
import { simulatedMp4 } from './sim-video';

/**
 * What our worker returns for a job (API.md "Worker contract", issue 16's job output): for image
 * kinds (text-to-image, image-to-image, inpainting) one PNG per requested image, of exactly the
 * size the worker would make and marked SIMULATED (`sim-image.ts`), with the seed each image was
 * made with; for a text-to-video endpoint (`VISGATE_TASK=text-to-video`) one real MP4
 * (`sim-video.ts`) described as it is. Jobs that ran with adapters report each one
 * (`loras`): a request adapter is a cache miss the first time an endpoint sees it, a hit after.
 * Jobs the worker would refuse fail with its error codes (`job-checks.ts`).
 */

/** Adapter sources each endpoint has fetched: the worker's disk cache, as the sim plays it. */
const adapterCaches = new WeakMap<object, Set<string>>();

/** The adapter cache of one endpoint (any object standing for it). */
export function adapterCacheOf(endpoint: object): Set<string> {
  let cache = adapterCaches.get(endpoint);
  if (cache === undefined) adapterCaches.set(endpoint, (cache = new Set()));
  return cache;
}

/** The job's output, or the error string RunPod reports for a handler that returned an error. */
export function jobOutput(
  input: Record<string, unknown>,
  jobMs: number,
  env: Record<string, string> = {},
  adapterCache: Set<string> = new Set(),
): { output: unknown } | { error: string } {
  const checked = checkSimJob(input, env);
  if (isRefusal(checked)) return { error: JSON.stringify(checked) };
  const timings = { timings: { inference_s: jobMs / 1000 } };
  const loras = loraReport(checked, adapterCache);
  const seed = checked.input.seed ?? 42;
  if (checked.video) {
    const clip = simulatedMp4();
    const video = { content_type: 'video/mp4', ...clip.facts, seed, base64: clip.base64 };
    return { output: { video, ...loras, ...timings } };
  }
  const { width, height } = imageSize(checked);
  const images = Array.from({ length: checked.input.num_images }, (_, i) => ({
    base64: simulatedPng(width, height, checked.input.prompt, seed + i).toString('base64'),
    content_type: 'image/png',
    width,
    height,
    seed: seed + i,
  }));
  return { output: { images, ...loras, ...timings } };
}

/**
 * The size the worker makes: the job's width/height; else, with a decodable init image, its size
 * scaled down to the family's largest side and floored to the family's alignment; else 512.
 */
function imageSize(job: CheckedJob): { width: number; height: number } {
  const init = job.image?.kind === 'data' ? job.image : null;
  let fromImage: { width: number; height: number } | null = null;
  if (init !== null) {
    const limit = job.family === null ? 1024 : FAMILY_DEFAULTS[job.family].maxResolution;
    const scale = Math.min(1, limit / Math.max(init.width, init.height));
    const align = sideAlignment(job.family);
    const side = (n: number) => Math.max(align, Math.floor((n * scale) / align) * align);
    fromImage = { width: side(init.width), height: side(init.height) };
  }
  // Without a size or an image, the model's default resolution (the worker's Defaults).
  const square =
    job.family !== null && job.modelId !== null
      ? inferenceDefaults(job.family, job.modelId).resolution
      : 512;
  return {
    width: job.input.width ?? fromImage?.width ?? square,
    height: job.input.height ?? fromImage?.height ?? square,
  };
}

/** `loras` for a job that used adapters: the deployment's (loaded at boot) then the request's. */
function loraReport(job: CheckedJob, cache: Set<string>): { loras?: unknown[] } {
  const override = job.input.lora_scale;
  const own = job.deploymentLoras.map((l, i) => ({
    name: l.name,
    source: 'deployment',
    scale: Array.isArray(override) ? override[i]! : (override ?? l.scale),
    cache_hit: true,
    load_s: 0,
  }));
  const requested = (job.input.loras ?? []).map((l) => {
    const key = adapterKey(l);
    const hit = cache.has(key);
    cache.add(key);
    return {
      // The worker names a job's adapter `req_` + 16 hex digits of the file's SHA-256
      // (worker/src/visgate_worker/lora_adapters.py); the simulator has no file, so it hashes the source.
      name: `req_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`,
      source: 'request',
      scale: l.scale,
      cache_hit: hit,
      load_s: hit ? 0.05 : 0.5,
    };
  });
  const all = [...own, ...requested];
  return all.length === 0 ? {} : { loras: all };
}
