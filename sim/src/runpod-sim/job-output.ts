/**
 * What our worker returns for a text-to-image job: one tiny valid PNG per requested image, with the
 * requested size echoed (the pixels are always 1x1; nothing decodes them in tests).
 */

/** A valid 1x1 RGBA PNG. */
export const TINY_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

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
    base64: TINY_PNG_BASE64,
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
