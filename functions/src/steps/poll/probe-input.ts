import { videoDefaults, type Deployment } from '@visgate/shared';

/** The input of a health probe job: the smallest real request the worker accepts. */
export const PROBE_INPUT = {
  prompt: 'visgate health probe',
  num_inference_steps: 1,
  width: 64,
  height: 64,
};

/**
 * The probe for this deployment: on a video model the shortest clip its frame rule allows beyond
 * one frame (Wan 4k+1 → 5, CogVideoX 8k+1 → 9, as the worker's warm-up), never the model's default
 * 81 or 49 frames; image models (every image task serves text-to-image) get PROBE_INPUT.
 */
export function probeInput(doc: Pick<Deployment, 'task' | 'estimate'>): Record<string, unknown> {
  const video = doc.task === 'text-to-video' ? videoDefaults(doc.estimate?.family ?? '') : null;
  if (!video) return PROBE_INPUT;
  return {
    ...PROBE_INPUT,
    num_frames: video.frameRule === '8k+1' ? 9 : 5,
    fps: 8,
    output_format: 'mp4',
  };
}
