import { simulatedPng } from './sim-image';

/**
 * What our worker returns for a text-to-image job: one PNG per requested image, of exactly the
 * requested size and marked SIMULATED (`sim-image.ts`), with the seed each image was made with.
 */

/** The job's output, or the error string RunPod reports for a handler that returned an error. */
export function jobOutput(
  input: Record<string, unknown>,
  jobMs: number,
): { output: unknown } | { error: string } {
  if (typeof input.prompt !== 'string' || input.prompt === '') {
    return {
      error: JSON.stringify({ code: 'INVALID_INPUT', message: 'prompt is required' }),
    };
  }
  const width = positiveInt(input.width, 512);
  const height = positiveInt(input.height, 512);
  const seed = positiveInt(input.seed, 42);
  const count = Math.min(4, positiveInt(input.num_images, 1));
  const images = Array.from({ length: count }, (_, i) => ({
    base64: simulatedPng(width, height, input.prompt as string, seed + i).toString('base64'),
    content_type: 'image/png',
    width,
    height,
    seed: seed + i,
  }));
  return { output: { images, timings: { inference_s: jobMs / 1000 } } };
}

function positiveInt(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback;
}
