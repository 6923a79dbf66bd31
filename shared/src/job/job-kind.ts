import { videoDefaults } from '../memory/families';
import type { JobInput } from './job-input';

/** Families whose diffusers pipelines have image-to-image and inpainting variants (`from_pipe`). */
export const IMAGE_EDIT_FAMILIES: readonly string[] = ['sd1', 'sd2', 'sdxl', 'sd3', 'flux'];

/** Families whose pipelines load LoRA adapters (diffusers' LoRA loader mixins) in our worker. */
export const LORA_FAMILIES: readonly string[] = ['sd1', 'sd2', 'sdxl', 'sd3', 'flux'];

export interface JobTarget {
  /** A video deployment (task `text-to-video`) or an image one (every other task). */
  video: boolean;
  /** The model's family (estimate-vram.ts `familyOf`). */
  family: string;
  /** How many adapters the deployment itself loads. */
  deploymentLoras: number;
}

export interface JobFieldError {
  path: string;
  message: string;
}

/**
 * The job-input rules that depend on the deployment: video fields only on video models, image
 * inputs only where the family has image-to-image, one video per job, adapters only where the
 * family loads them. The API answers these before RunPod sees (and bills) the job; the worker checks
 * them again. Empty when the job fits.
 */
export function checkJobForDeployment(input: JobInput, target: JobTarget): JobFieldError[] {
  const errors: JobFieldError[] = [];
  const refuse = (path: string, message: string): void => {
    errors.push({ path, message });
  };
  if (target.video) {
    for (const key of ['image', 'mask', 'strength'] as const)
      if (input[key] !== undefined) refuse(key, 'not taken by a text-to-video deployment');
    if (input.num_images !== 1) refuse('num_images', 'must be 1 for video (one MP4 per job)');
    if (input.output_format !== undefined && input.output_format !== 'mp4')
      refuse('output_format', 'must be mp4 for video');
    const longest = videoDefaults(target.family)?.maxFrames;
    if (input.num_frames !== undefined && longest !== undefined && input.num_frames > longest)
      refuse(
        'num_frames',
        `at most ${longest} for ${target.family} models (what they were trained on)`,
      );
  } else {
    for (const key of ['num_frames', 'fps'] as const)
      if (input[key] !== undefined) refuse(key, 'only for text-to-video deployments');
    if (input.output_format === 'mp4')
      refuse('output_format', 'mp4 is for video; use png, jpeg or webp');
    if (input.image !== undefined && !IMAGE_EDIT_FAMILIES.includes(target.family))
      refuse(
        'image',
        `image-to-image and inpainting are not available for ${target.family} models`,
      );
  }
  if (input.loras !== undefined && !LORA_FAMILIES.includes(target.family))
    refuse('loras', `LoRA adapters are not available for ${target.family} models`);
  if (input.lora_scale !== undefined) {
    if (target.deploymentLoras === 0)
      refuse('lora_scale', 'the deployment has no adapters of its own (use loras[].scale)');
    else if (Array.isArray(input.lora_scale) && input.lora_scale.length !== target.deploymentLoras)
      refuse('lora_scale', `needs one scale per deployment adapter (${target.deploymentLoras})`);
  }
  return errors;
}
