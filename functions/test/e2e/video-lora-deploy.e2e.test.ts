import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { startLocalSystem, type LocalSystem } from '@visgate/sim';

jest.setTimeout(30_000);

async function deploy(sys: LocalSystem, body: Record<string, unknown>) {
  const res = await request(sys.url)
    .post('/v1/deployments')
    .set('Authorization', `Bearer ${sys.apiKey}`)
    .send(body);
  expect(res.status).toBe(202);
  return (res.body as { deployment_id: string }).deployment_id;
}

/** A validator for one component schema of the served /openapi.json. */
async function specValidator(sys: LocalSystem, name: string) {
  const spec = (await request(sys.url).get('/openapi.json')).body as {
    components: { schemas: Record<string, object> };
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(spec.components.schemas[name]!);
  return (body: unknown) => (validate(body) ? [] : validate.errors);
}

async function submitJob(sys: LocalSystem, id: string, input: Record<string, unknown>) {
  return request(sys.url)
    .post(`/v1/deployments/${id}/jobs`)
    .set('Authorization', `Bearer ${sys.apiKey}`)
    .send({ input: { prompt: 'a lighthouse at dusk', ...input } });
}

function expectNothingOnRunPod(sys: LocalSystem) {
  const account = sys.runpod.account(sys.apiKey);
  expect(account.endpoints).toEqual([]);
  expect(account.templates).toEqual([]);
}

describe('issue 16 deployments through the embedded system and the simulators', () => {
  let sys: LocalSystem;
  beforeEach(async () => {
    sys = await startLocalSystem();
  });
  afterEach(async () => {
    await sys.close();
  });

  it('deploys Wan 2.1 1.3B as text-to-video on a cheaper pool thanks to VAE tiling, and the worker gets the task', async () => {
    const id = await deploy(sys, { hf_model_id: 'Wan-AI/Wan2.1-T2V-1.3B-Diffusers' });
    const ready = await sys.waitForStatus(id, ['ready', 'failed']);
    expect(ready.error).toBeNull();
    expect(ready).toMatchObject({
      status: 'ready',
      task: 'text-to-video',
      pipeline: 'WanPipeline',
    });
    expect(ready.estimate).toMatchObject({
      family: 'wan',
      video: { width: 832, height: 480, num_frames: 81, fps: 16, latent_frames: 21 },
    });
    // All on the GPU needs more than a 16 GB card; tiling the VAE decode fits it, and is cheaper.
    const allOnGpu = ready.estimate!.vram_bytes;
    expect(ready.gpu?.usable_vram_bytes).toBeLessThan(allOnGpu);
    expect(ready.gpu?.memory_plan).toMatchObject({ vae_tiling: true, offload: 'none' });
    expect(ready.gpu?.pool).toBe('AMPERE_16');
    const env = sys.runpod.account(sys.apiKey).templates[0]?.env ?? {};
    expect(env).toMatchObject({ VISGATE_TASK: 'text-to-video', VISGATE_PIPELINE: 'WanPipeline' });
    expect(env.VISGATE_LORAS).toBeUndefined();
    const pub = await request(sys.url)
      .get(`/v1/deployments/${id}`)
      .set('Authorization', `Bearer ${sys.apiKey}`);
    expect((await specValidator(sys, 'Deployment'))(pub.body)).toEqual([]);

    // An image input is refused by the API, before RunPod sees (and bills) the job.
    const misfit = await submitJob(sys, id, { image: 'https://example.com/cat.png' });
    expect(misfit.status).toBe(400);
    expect(misfit.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'input.image' }],
    });
    expect(sys.runpod.account(sys.apiKey).jobs).toEqual([]);
  });

  it('deploys SDXL with an SDXL LoRA: validated, counted in the estimate, stored and handed to the worker', async () => {
    const id = await deploy(sys, {
      hf_model_id: 'stabilityai/stable-diffusion-xl-base-1.0',
      task: 'img2img',
      loras: [{ hf_repo: 'latent-consistency/lcm-lora-sdxl', scale: 0.8 }],
    });
    const ready = await sys.waitForStatus(id, ['ready', 'failed']);
    expect(ready.error).toBeNull();
    expect(ready.task).toBe('image-to-image');
    const lora = sys.hub.repo('latent-consistency/lcm-lora-sdxl')!;
    const file = lora.files.get('pytorch_lora_weights.safetensors')!;
    expect(ready.loras).toEqual([
      {
        hf_repo: 'latent-consistency/lcm-lora-sdxl',
        revision: 'main',
        weight_name: null,
        scale: 0.8,
        revision_sha: lora.fixture.sha,
        file: 'pytorch_lora_weights.safetensors',
        bytes: file.size,
        base_family: 'sdxl',
        needs_token: false,
      },
    ]);
    expect(ready.estimate?.lora_bytes).toBe(file.size);
    const env = sys.runpod.account(sys.apiKey).templates[0]?.env ?? {};
    expect(JSON.parse(env.VISGATE_LORAS ?? '[]')).toEqual([
      {
        name: 'lora_0',
        repo: 'latent-consistency/lcm-lora-sdxl',
        revision: lora.fixture.sha,
        file: 'pytorch_lora_weights.safetensors',
        scale: 0.8,
        bytes: file.size,
      },
    ]);
    expect(env.HF_TOKEN).toBeUndefined();

    const pub = await request(sys.url)
      .get(`/v1/deployments/${id}`)
      .set('Authorization', `Bearer ${sys.apiKey}`);
    expect(pub.body.loras).toEqual(ready.loras);

    // Jobs: video fields and a scale list of the wrong length are refused before RunPod; one
    // scale for the deployment's one adapter goes through.
    for (const [input, path] of [
      [{ num_frames: 33 }, 'input.num_frames'],
      [{ lora_scale: [0.5, 1] }, 'input.lora_scale'],
    ] as const) {
      const res = await submitJob(sys, id, input);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path }] });
    }
    expect(sys.runpod.account(sys.apiKey).jobs).toEqual([]);
    expect((await submitJob(sys, id, { lora_scale: [0.5] })).status).toBe(202);
    expect((await specValidator(sys, 'Deployment'))(pub.body)).toEqual([]);
  });

  it.each([
    [
      'an SD 1.5 LoRA on SDXL',
      'LORA_BASE_MISMATCH',
      {
        hf_model_id: 'stabilityai/stable-diffusion-xl-base-1.0',
        loras: [{ hf_repo: 'latent-consistency/lcm-lora-sdv1-5' }],
      },
    ],
    [
      'image-to-image on a video model',
      'TASK_UNSUPPORTED',
      { hf_model_id: 'Wan-AI/Wan2.1-T2V-1.3B-Diffusers', task: 'image-to-image' },
    ],
    [
      'text-to-video on SDXL',
      'TASK_UNSUPPORTED',
      { hf_model_id: 'stabilityai/sdxl-turbo', task: 't2v' },
    ],
    [
      'inpainting on PixArt',
      'TASK_UNSUPPORTED',
      { hf_model_id: 'PixArt-alpha/PixArt-Sigma-XL-2-1024-MS', task: 'inpainting' },
    ],
    [
      'an adapter on a video model',
      'LORA_BASE_MISMATCH',
      {
        hf_model_id: 'Wan-AI/Wan2.1-T2V-1.3B-Diffusers',
        loras: [{ hf_repo: 'latent-consistency/lcm-lora-sdxl' }],
      },
    ],
    [
      'a LoRA repo that does not exist',
      'LORA_NOT_FOUND',
      { hf_model_id: 'stabilityai/sd-turbo', loras: [{ hf_repo: 'nobody-here/no-lora' }] },
    ],
    [
      'a LoRA with pickle weights only',
      'LORA_INVALID',
      { hf_model_id: 'stabilityai/sd-turbo', loras: [{ hf_repo: 'visgate-test/pickle-lora' }] },
    ],
  ])('fails %s with %s in validate, creating nothing on RunPod', async (_what, code, body) => {
    const id = await deploy(sys, body);
    const failed = await sys.waitForStatus(id, ['failed', 'ready']);
    expect(failed.error).toMatchObject({ code, step: 'validate', retryable: false });
    expectNothingOnRunPod(sys);
  });

  it('answers an estimate with the task, the adapters and the chosen pool and memory plan', async () => {
    const res = await request(sys.url)
      .post('/v1/estimates')
      .set('Authorization', `Bearer ${sys.apiKey}`)
      .send({ hf_model_id: 'THUDM/CogVideoX-2b' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      task: 'text-to-video',
      loras: [],
      estimate: { family: 'cogvideox', video: { num_frames: 49, fps: 8, latent_frames: 13 } },
      gpu: { memory_plan: { offload: expect.any(String) as unknown } },
    });
    expect((await specValidator(sys, 'EstimateResult'))(res.body)).toEqual([]);
    const refused = await request(sys.url)
      .post('/v1/estimates')
      .set('Authorization', `Bearer ${sys.apiKey}`)
      .send({
        hf_model_id: 'stabilityai/stable-diffusion-xl-base-1.0',
        loras: [{ hf_repo: 'latent-consistency/lcm-lora-sdv1-5' }],
      });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'LORA_BASE_MISMATCH' });
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await specValidator(sys, 'Problem'))(refused.body)).toEqual([]);
  });
});
