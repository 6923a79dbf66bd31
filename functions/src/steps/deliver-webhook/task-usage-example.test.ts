import { checkJobForDeployment, familyOf, JobInputSchema, type Task } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { taskUsageExample } from './task-usage-example';

const URL_ = 'https://api.runpod.ai/v2/ep1/run';

describe('taskUsageExample', () => {
  it.each<[string, string, Task, Record<string, unknown>]>([
    [
      'stabilityai/sd-turbo',
      'StableDiffusionPipeline',
      'text-to-image',
      { width: 512, height: 512, output_format: 'png' },
    ],
    [
      'stabilityai/sdxl-turbo',
      'StableDiffusionXLPipeline',
      'image-to-image',
      { image: expect.stringMatching(/^https:/) as unknown, strength: 0.8 },
    ],
    [
      'black-forest-labs/FLUX.1-schnell',
      'FluxPipeline',
      'inpainting',
      { image: expect.any(String) as unknown, mask: expect.any(String) as unknown },
    ],
    [
      'Wan-AI/Wan2.1-T2V-1.3B-Diffusers',
      'WanPipeline',
      'text-to-video',
      { width: 832, height: 480, num_frames: 81, fps: 16, output_format: 'mp4' },
    ],
    [
      'THUDM/CogVideoX-2b',
      'CogVideoXPipeline',
      'text-to-video',
      { width: 720, height: 480, num_frames: 49, fps: 8, output_format: 'mp4' },
    ],
  ])('%s (%s, %s): a job the deployment accepts', (model, pipeline, task, expected) => {
    const doc = aDeployment({ hf_model_id: model, pipeline, task, endpoint_url: URL_ });
    const example = taskUsageExample(doc)!;
    expect(example.url).toBe('https://api.runpod.ai/v2/ep1/runsync');
    expect(example.body.input).toMatchObject(expected);
    const input = JobInputSchema.parse(example.body.input);
    const target = {
      video: task === 'text-to-video',
      family: familyOf(pipeline, model),
      deploymentLoras: 0,
    };
    expect(checkJobForDeployment(input, target)).toEqual([]);
  });

  it('has no example before the deployment has an endpoint', () => {
    expect(taskUsageExample(aDeployment({ endpoint_url: null }))).toBeNull();
  });
});
