import {
  familyOf,
  usageExample,
  videoDefaults,
  type Deployment,
  type JobInput,
} from '@visgate/shared';

/** Stand-ins a user replaces: an https URL the worker may fetch for the init image and the mask. */
export const EXAMPLE_IMAGE_URL = 'https://example.com/your-image.png';
export const EXAMPLE_MASK_URL = 'https://example.com/your-mask.png';

/**
 * The ready webhook's `usage_example` for the deployment's task: the family's text-to-image
 * example (usageExample), with an init image and strength for image-to-image, an image and mask for
 * inpainting, and for text-to-video the family's default size, frames, fps and an MP4. Null until
 * the deployment has an endpoint.
 */
export function taskUsageExample(doc: Deployment): ReturnType<typeof usageExample> | null {
  if (!doc.endpoint_url) return null;
  const family = familyOf(doc.pipeline, doc.hf_model_id);
  const example = usageExample({
    endpointUrl: doc.endpoint_url,
    family: family,
    modelId: doc.hf_model_id,
  });
  const input: JobInput = { ...example.body.input };
  switch (doc.task) {
    case 'image-to-image':
      Object.assign(input, { image: EXAMPLE_IMAGE_URL, strength: 0.8 });
      delete input.width;
      delete input.height;
      break;
    case 'inpainting':
      Object.assign(input, { image: EXAMPLE_IMAGE_URL, mask: EXAMPLE_MASK_URL });
      delete input.width;
      delete input.height;
      break;
    case 'text-to-video': {
      const v = videoDefaults(family);
      if (v !== null) {
        Object.assign(input, {
          width: v.width,
          height: v.height,
          num_frames: v.numFrames,
          fps: v.fps,
          output_format: 'mp4',
        });
      }
      break;
    }
    default:
      break;
  }
  return { ...example, body: { input } };
}
