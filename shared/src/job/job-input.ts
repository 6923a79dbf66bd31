import { z } from 'zod';
import { inferenceDefaults, type ModelFamily } from '../memory/estimate-vram';

const ImageSideSchema = z.int().min(64).max(2048).multipleOf(8);

export const JobOutputSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('base64') }),
  z.strictObject({
    type: z.literal('s3'),
    /** Presigned PUT URLs; image i is uploaded to put_urls[i]. */
    put_urls: z
      .array(z.url({ protocol: /^https?$/ }))
      .min(1)
      .max(4),
    /**
     * Optional presigned GET URLs, one per PUT URL; image i's output `url` is get_urls[i]. Without
     * them the output `url` is put_urls[i] without its query string (the object's unsigned URL).
     */
    get_urls: z
      .array(z.url({ protocol: /^https?$/ }))
      .min(1)
      .max(4)
      .optional(),
  }),
]);
export type JobOutput = z.infer<typeof JobOutputSchema>;

/**
 * `input` of a RunPod job for our worker (API.md, "Worker contract"). Strict: unknown keys are
 * rejected. With `output.type = "s3"` there must be a PUT URL for each image.
 */
export const JobInputSchema = z
  .strictObject({
    prompt: z.string().min(1).max(2000),
    negative_prompt: z.string().max(2000).optional(),
    num_inference_steps: z.int().min(1).max(150).optional(),
    guidance_scale: z.number().min(0).max(30).optional(),
    width: ImageSideSchema.optional(),
    height: ImageSideSchema.optional(),
    seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
    num_images: z.int().min(1).max(4).default(1),
    output_format: z.enum(['png', 'jpeg', 'webp']).default('png'),
    output: JobOutputSchema.default({ type: 'base64' }),
  })
  .refine(
    (input) => input.output.type !== 's3' || input.output.put_urls.length >= input.num_images,
    {
      path: ['output', 'put_urls'],
      error: 'needs one URL per image (num_images)',
    },
  )
  .refine(
    (input) =>
      input.output.type !== 's3' ||
      input.output.get_urls === undefined ||
      input.output.get_urls.length === input.output.put_urls.length,
    {
      path: ['output', 'get_urls'],
      error: 'needs one GET URL per PUT URL',
    },
  );
export type JobInput = z.infer<typeof JobInputSchema>;

/** JSON Schema (draft 2020-12) of the job input as a client sends it, for the Python worker. */
export function jobInputJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(JobInputSchema, { io: 'input' });
}

export const USAGE_EXAMPLE_PROMPT = 'An astronaut riding a horse in photorealistic style';

/**
 * A ready-to-run `/runsync` request for a deployed endpoint, with the model's inference defaults
 * and a placeholder for the user's RunPod key (never a real key).
 */
export function usageExample(input: {
  endpointUrl: string;
  family: ModelFamily;
  modelId: string;
}): {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: { input: JobInput };
} {
  const d = inferenceDefaults(input.family, input.modelId);
  return {
    method: 'POST',
    url: input.endpointUrl.replace(/\/+$/, '').replace(/\/run$/, '') + '/runsync',
    headers: {
      Authorization: 'Bearer <YOUR_RUNPOD_API_KEY>',
      'Content-Type': 'application/json',
    },
    body: {
      input: {
        prompt: USAGE_EXAMPLE_PROMPT,
        num_inference_steps: d.steps,
        guidance_scale: d.guidance,
        width: d.resolution,
        height: d.resolution,
        num_images: 1,
        output_format: 'png',
        output: { type: 'base64' },
      },
    },
  };
}
