import { isAppError } from '../errors';
import {
  CreateDeploymentBodySchema,
  normalizeDeploymentRequest,
} from '../schemas/create-deployment';
import { decideTask, resolveTask } from './deploy-task';

describe('decideTask', () => {
  it.each([
    // [requested, family, outcome]
    [null, 'sdxl', 'text-to-image'],
    [null, 'pixart', 'text-to-image'],
    [null, 'wan', 'text-to-video'],
    [null, 'cogvideox', 'text-to-video'],
    ['text-to-image', 'sd1', 'text-to-image'],
    ['image-to-image', 'sd1', 'image-to-image'],
    ['image-to-image', 'sd2', 'image-to-image'],
    ['inpainting', 'sdxl', 'inpainting'],
    ['inpainting', 'sd3', 'inpainting'],
    ['image-to-image', 'flux', 'image-to-image'],
    ['text-to-video', 'wan', 'text-to-video'],
    ['image-to-image', 'pixart', ['text-to-image']],
    ['inpainting', 'kandinsky', ['text-to-image']],
    ['image-to-image', 'other', ['text-to-image']],
    ['text-to-video', 'sdxl', ['text-to-image', 'image-to-image', 'inpainting']],
    ['text-to-video', 'pixart', ['text-to-image']],
    ['text-to-image', 'wan', ['text-to-video']],
    ['inpainting', 'cogvideox', ['text-to-video']],
  ] as const)('%s on %s → %j', (requested, family, outcome) => {
    const d = decideTask(requested, family);
    if (typeof outcome === 'string') expect(d).toEqual({ kind: 'ok', task: outcome });
    else expect(d).toEqual({ kind: 'unsupported', requested, tasks: outcome });
  });

  it('refuses with TASK_UNSUPPORTED naming the model and its tasks', () => {
    let err: unknown;
    try {
      resolveTask('image-to-image', 'wan', 'Wan-AI/Wan2.1-T2V-1.3B-Diffusers', 'WanPipeline');
    } catch (e) {
      err = e;
    }
    expect(isAppError(err) && err.code).toBe('TASK_UNSUPPORTED');
    expect((err as Error).message).toMatch(/Wan-AI\/Wan2\.1-T2V-1\.3B-Diffusers.*text-to-video/);
  });
});

describe('the task field of a deployment body', () => {
  it.each([
    ['txt2img', 'text-to-image'],
    ['text_to_image', 'text-to-image'],
    ['img2img', 'image-to-image'],
    ['image_to_image', 'image-to-image'],
    ['inpaint', 'inpainting'],
    ['inpainting', 'inpainting'],
    ['t2v', 'text-to-video'],
    ['text2video', 'text-to-video'],
    ['text_to_video', 'text-to-video'],
  ])('normalises %s to %s', (alias, task) => {
    const body = CreateDeploymentBodySchema.parse({ hf_model_id: 'a/b', task: alias });
    expect(normalizeDeploymentRequest(body).task).toBe(task);
  });

  it('leaves the task to the validate step when it is not given', () => {
    const body = CreateDeploymentBodySchema.parse({ hf_model_id: 'a/b' });
    expect(normalizeDeploymentRequest(body).task).toBeNull();
  });

  it.each(['image-to-video', 'Text-To-Image', 'i2v'])('refuses %s', (task) => {
    expect(CreateDeploymentBodySchema.safeParse({ hf_model_id: 'a/b', task }).success).toBe(false);
  });
});

describe('the loras field of a deployment body', () => {
  const parse = (loras: unknown) =>
    CreateDeploymentBodySchema.safeParse({ hf_model_id: 'a/b', loras });

  it('defaults scale to 1 and revision to main', () => {
    const body = CreateDeploymentBodySchema.parse({
      hf_model_id: 'a/b',
      loras: [{ hf_repo: 'org/lora', weight_name: 'dir/my_lora.safetensors' }],
    });
    expect(normalizeDeploymentRequest(body).loras).toEqual([
      { hf_repo: 'org/lora', weight_name: 'dir/my_lora.safetensors', revision: 'main', scale: 1 },
    ]);
  });

  it.each([
    ['six adapters', Array.from({ length: 6 }, () => ({ hf_repo: 'org/lora' }))],
    ['a scale above 4', [{ hf_repo: 'org/lora', scale: 4.5 }]],
    ['a pickle weight_name', [{ hf_repo: 'org/lora', weight_name: 'lora.bin' }]],
    ['a path escaping the repo', [{ hf_repo: 'org/lora', weight_name: '../x.safetensors' }]],
    ['an unknown field', [{ hf_repo: 'org/lora', url: 'https://x.test/a.safetensors' }]],
    ['a repo id without org', [{ hf_repo: 'lora' }]],
  ])('refuses %s', (_what, loras) => {
    expect(parse(loras).success).toBe(false);
  });

  it('accepts five adapters with scales from -4 to 4', () => {
    const five = [-4, -1, 0, 1, 4].map((scale) => ({ hf_repo: 'org/lora', scale }));
    expect(parse(five).success).toBe(true);
  });
});
