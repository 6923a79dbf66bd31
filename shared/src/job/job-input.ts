import { z } from 'zod';
import {
  HfModelIdSchema,
  LoraScaleSchema,
  RevisionSchema,
  SafetensorsPathSchema,
} from '../schemas/create-deployment';
import { inferenceDefaults, videoDefaults, type ModelFamily } from '../memory/families';

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
 * An image a job starts from: an https URL the worker fetches (webhook SSRF rules, a size cap, a
 * timeout) or base64, optionally as a `data:image/…;base64,` URL. RunPod takes at most 10 MB per
 * request, so 8 M characters leaves room for the rest.
 */
const JobImageSchema = z
  .string()
  .min(16)
  .max(8_000_000)
  .regex(
    /^(https:\/\/[\x21-\x7e]{4,2040}|(data:image\/(png|jpeg|webp);base64,)?[A-Za-z0-9+/]+={0,2})$/,
    'must be an https URL or base64 image data (PNG, JPEG or WebP)',
  );

/** A per-request adapter: a Hub repo at a revision, or an https URL to a `.safetensors` file. */
export const JobLoraSchema = z.union([
  z.strictObject({
    hf_repo: HfModelIdSchema,
    revision: RevisionSchema.optional(),
    weight_name: SafetensorsPathSchema.optional(),
    scale: LoraScaleSchema.default(1),
  }),
  z.strictObject({
    url: z
      .string()
      .max(2048)
      .regex(/^https:\/\/[\x21-\x7e]+$/, 'must be an https URL to a .safetensors file'),
    scale: LoraScaleSchema.default(1),
  }),
]);
export type JobLora = z.infer<typeof JobLoraSchema>;

/** The output formats of image jobs and of video jobs. */
export const IMAGE_FORMATS = ['png', 'jpeg', 'webp'] as const;
export const VIDEO_FORMATS = ['mp4'] as const;

/**
 * `input` of a RunPod job for our worker (API.md, "Worker contract"). Strict: unknown keys are
 * rejected. With `output.type = "s3"` there must be a PUT URL for each image. Which fields a job may
 * use depends on its deployment (image or video; `checkJobForDeployment`): `image`, `mask` and
 * `strength` are image-to-image and inpainting on image models; `num_frames` and `fps` are video.
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
    /** png, jpeg or webp for images (default png); mp4 (H.264) for video, its only format. */
    output_format: z.enum([...IMAGE_FORMATS, ...VIDEO_FORMATS]).optional(),
    output: JobOutputSchema.default({ type: 'base64' }),
    /** Image-to-image (and, with `mask`, inpainting): the image to start from. */
    image: JobImageSchema.optional(),
    /** Inpainting: white repaints, black keeps; needs `image`. */
    mask: JobImageSchema.optional(),
    /** How far from `image` to go: 1 ignores it (default 0.8 image-to-image, 1 inpainting). */
    strength: z.number().gt(0).max(1).optional(),
    /** Video: frames to generate (Wan 4k+1, CogVideoX 8k+1; the worker names the nearest valid). */
    num_frames: z.int().min(1).max(257).optional(),
    /** Video: frames per second of the MP4. */
    fps: z.int().min(1).max(60).optional(),
    /** Adapters for this job only, loaded on the warm model and unloaded after. */
    loras: z.array(JobLoraSchema).min(1).max(5).optional(),
    /** Scale of the deployment's own adapters for this job: one for all, or one each in order. */
    lora_scale: z.union([LoraScaleSchema, z.array(LoraScaleSchema).min(1).max(5)]).optional(),
  })
  .refine((input) => input.mask === undefined || input.image !== undefined, {
    path: ['mask'],
    error: 'needs image (the picture the mask applies to)',
  })
  .refine((input) => input.strength === undefined || input.image !== undefined, {
    path: ['strength'],
    error: 'needs image (strength is how far to move from it)',
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

/** A placeholder the user replaces with their own picture (never fetched by us). */
export const USAGE_EXAMPLE_IMAGE_URL = 'https://example.com/your-image.png';
export const USAGE_EXAMPLE_MASK_URL = 'https://example.com/your-mask.png';

/**
 * Frames, fps and size of a video example: the models' own (CogVideoX 49 frames at 8 fps, 720×480;
 * Wan 81 frames at 16 fps, 832×480, its model card's 480p setting).
 */
function videoExample(family: string) {
  const v = videoDefaults(family) ?? videoDefaults('wan');
  return { width: v?.width, height: v?.height, num_frames: v?.numFrames, fps: v?.fps };
}

/**
 * A ready-to-run `/runsync` request for a deployed endpoint, with the model's inference defaults
 * and a placeholder for the user's RunPod key (never a real key). The deployment's task shapes it:
 * a video deployment's asks for an MP4 with frames and fps; image-to-image and inpainting start
 * from a placeholder image URL (and mask) with a strength, at the image's own size.
 */
export function usageExample(input: {
  endpointUrl: string;
  family: ModelFamily;
  modelId: string;
  /** The deployment's task; text-to-image when absent. */
  task?: string;
}): {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: { input: JobInput };
} {
  const d = inferenceDefaults(input.family, input.modelId);
  const common = {
    prompt: USAGE_EXAMPLE_PROMPT,
    num_inference_steps: d.steps,
    guidance_scale: d.guidance,
    num_images: 1,
  };
  const image: Partial<JobInput> = {
    width: d.resolution,
    height: d.resolution,
    output_format: 'png',
  };
  const byTask: Record<string, Partial<JobInput>> = {
    'text-to-video': { ...videoExample(input.family), output_format: 'mp4' },
    'image-to-image': {
      image: USAGE_EXAMPLE_IMAGE_URL,
      strength: 0.8,
      output_format: 'png',
    },
    inpainting: {
      image: USAGE_EXAMPLE_IMAGE_URL,
      mask: USAGE_EXAMPLE_MASK_URL,
      strength: 1,
      output_format: 'png',
    },
  };
  return {
    method: 'POST',
    url: input.endpointUrl.replace(/\/+$/, '').replace(/\/run$/, '') + '/runsync',
    headers: {
      Authorization: 'Bearer <YOUR_RUNPOD_API_KEY>',
      'Content-Type': 'application/json',
    },
    body: {
      input: {
        ...common,
        ...(byTask[input.task ?? 'text-to-image'] ?? image),
        output: { type: 'base64' },
      },
    },
  };
}
