import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import {
  fakeRunPodKey,
  simulatedPng,
  startLocalSystem,
  type LocalSystem,
  waitUntil,
} from '@visgate/sim';

jest.setTimeout(30_000);

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface JobBody {
  job_id: string;
  status: string;
  deployment_id: string;
  runpod_job_id: string;
  output: {
    images: Record<string, unknown>[];
    inference_s?: number;
    loras?: Record<string, unknown>[];
  } | null;
  error: { code: string; message: string } | null;
  timings: { queue_s: number | null; execution_s: number | null; completed_at: string | null };
  cost: { price_per_hour_usd: number | null; estimated_usd: number | null };
  webhook_secret?: string;
  output_expired?: boolean;
}

let sys: LocalSystem;
let deploymentId: string;
let deploymentSecret: string;
const auth = (key = sys.apiKey) => ({ Authorization: `Bearer ${key}` });

async function submit(body: Record<string, unknown>, id = deploymentId) {
  return request(sys.url).post(`/v1/deployments/${id}/jobs`).set(auth()).send(body);
}

async function getJob(id: string): Promise<JobBody> {
  const res = await request(sys.url).get(`/v1/jobs/${id}`).set(auth());
  expect(res.status).toBe(200);
  return res.body as JobBody;
}

/** GETs the job until it reaches one of `statuses` (each GET re-reads RunPod). */
async function waitForJob(id: string, statuses: string[], timeoutMs = 10_000): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(id);
    if (statuses.includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves with the stored job once its status is `status`, without any GET (which would re-read). */
async function waitForStored(id: string, status: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await sys.system.deps.jobs.get(id);
    if (job?.status === status) return job;
    if (Date.now() > deadline)
      throw new Error(`stored job ${id} still ${job?.status ?? 'missing'}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function verify(secret: string, r: { headers: Record<string, unknown>; body: string }) {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  }) as { type: string; data: Record<string, unknown> };
}

const jobHooks = (type: string) =>
  sys.receiver.received.filter((r) => (JSON.parse(r.body) as { type: string }).type === type);

beforeAll(async () => {
  sys = await startLocalSystem();
  const res = await request(sys.url)
    .post('/v1/deployments')
    .set(auth())
    .send({ hf_model_id: 'stabilityai/sd-turbo', user_webhook_url: sys.receiver.url });
  expect(res.status).toBe(202);
  deploymentId = String(res.body.deployment_id);
  deploymentSecret = String(res.body.webhook_secret);
  await sys.waitForStatus(deploymentId, ['ready']);
});

afterAll(async () => {
  await sys.close();
});

afterEach(() => {
  sys.runpod.set({ jobMs: 20, jobError: null });
});

describe('jobs on a ready deployment', () => {
  it('runs a job to completion, returns a decodable PNG and a cost estimate, and stores no base64', async () => {
    const res = await submit({
      input: { prompt: 'an astronaut riding a horse', width: 64, height: 64, seed: 7 },
    });
    expect(res.status).toBe(202);
    const created = res.body as JobBody;
    expect(created.job_id).toMatch(/^job_[a-z2-7]{26}$/);
    expect(created.status).toBe('queued');
    expect(res.headers.location).toBe(`/v1/jobs/${created.job_id}`);

    const done = await waitForJob(created.job_id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    const image = done.output!.images[0]!;
    expect(image).toMatchObject({ content_type: 'image/png', width: 64, height: 64, seed: 7 });
    const png = Buffer.from(String(image.base64), 'base64');
    expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    // The image is really 64×64 (IHDR), as the real worker's would be, not a stand-in pixel.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([64, 64]);
    expect(done.output_expired).toBe(false);
    expect(done.timings.execution_s).toBeGreaterThan(0);
    expect(done.cost.price_per_hour_usd).toBeGreaterThan(0);
    expect(done.cost.estimated_usd).toBeCloseTo(
      (done.timings.execution_s! * done.cost.price_per_hour_usd!) / 3600,
      6,
    );

    const stored = await sys.system.deps.jobs.get(created.job_id);
    expect(JSON.stringify(stored)).not.toContain(String(image.base64).slice(0, 64));
    expect(stored?.output?.images[0]).toMatchObject({ base64_length: String(image.base64).length });
  });

  it('hands RunPod an internal hint URL with a per-job token and re-reads the status when it is called', async () => {
    const res = await submit({ input: { prompt: 'a lighthouse' } });
    const id = String(res.body.job_id);
    const simJob = sys.runpod.account(sys.apiKey).jobs.find((j) => j.id === res.body.runpod_job_id);
    expect(simJob?.webhook).toMatch(new RegExp(`/internal/job-hints/${id}\\?token=[0-9a-f]{64}$`));
    // RunPod's callback alone (no GET) brings the stored job to its end.
    await sys.runpod.waitFor(
      () =>
        sys.runpod.responses.some(
          (r) => r.path.endsWith(`/status/${String(res.body.runpod_job_id)}`) && r.status === 200,
        ),
      { what: 'status re-read' },
    );
    const stored = await waitForStored(id, 'completed');
    await waitUntil(() =>
      sys.log.lines.some((l) => l.includes('runpod job hint') && l.includes(id)),
    );
    expect(stored).toMatchObject({ status: 'completed' });

    const forged = await request(sys.url).post(`/internal/job-hints/${id}?token=${'0'.repeat(64)}`);
    expect(forged.status).toBe(404);
  });

  it("sends job.completed to the job's webhook, signed with the deployment's secret, without image bytes", async () => {
    const res = await submit({ input: { prompt: 'a red fox' }, webhook_url: sys.receiver.url });
    expect(res.status).toBe(202);
    expect(res.body.webhook_secret).toBeUndefined();
    await sys.receiver.waitFor(() => jobHooks('job.completed').length >= 1);
    const hook = jobHooks('job.completed').at(-1)!;
    const payload = verify(deploymentSecret, hook);
    expect(payload.data).toMatchObject({ job_id: res.body.job_id, status: 'completed' });
    expect(hook.body).not.toContain('iVBORw0KGgo'); // no PNG, base64
    expect(hook.headers['webhook-id']).toBe(`msg_${String(res.body.job_id)}_completed`);
  });

  it('records a worker error as a failed job with its code and sends job.failed', async () => {
    sys.runpod.set({ jobError: JSON.stringify({ code: 'CUDA_OOM', message: 'out of memory' }) });
    const res = await submit({ input: { prompt: 'too big' }, webhook_url: sys.receiver.url });
    const failed = await waitForJob(String(res.body.job_id), ['failed', 'completed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({ code: 'CUDA_OOM', message: 'out of memory' });
    expect(failed.output).toBeNull();
    await sys.receiver.waitFor(() => jobHooks('job.failed').length >= 1);
    expect(verify(deploymentSecret, jobHooks('job.failed').at(-1)!).data).toMatchObject({
      job_id: res.body.job_id,
      error: { code: 'CUDA_OOM' },
    });
  });

  it('cancels a running job on RunPod', async () => {
    sys.runpod.set({ jobMs: 60_000 });
    const res = await submit({ input: { prompt: 'a slow one' } });
    const id = String(res.body.job_id);
    await waitForJob(id, ['running']);
    const cancelled = await request(sys.url).post(`/v1/jobs/${id}/cancel`).set(auth());
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    const simJob = sys.runpod.account(sys.apiKey).jobs.find((j) => j.id === res.body.runpod_job_id);
    expect(simJob?.status).toBe('CANCELLED');
    const again = await request(sys.url).post(`/v1/jobs/${id}/cancel`).set(auth());
    expect(again.body.status).toBe('cancelled');
  });

  it('times a job out after its execution_timeout_s and sends the policy to RunPod', async () => {
    sys.runpod.set({ jobMs: 60_000 });
    const res = await submit({ input: { prompt: 'forever' }, execution_timeout_s: 5, ttl_s: 60 });
    expect(res.status).toBe(202);
    const simJob = sys.runpod.account(sys.apiKey).jobs.find((j) => j.id === res.body.runpod_job_id);
    expect(simJob?.executionTimeoutMs).toBe(5000);
    const out = await waitForJob(String(res.body.job_id), ['timed_out', 'completed'], 12_000);
    expect(out.status).toBe('timed_out');
    expect(out.error?.code).toBe('TIMED_OUT');
  }, 20_000);

  it.each([
    ['a missing prompt', { input: { width: 64 } }, 'input.prompt'],
    ['a width that is not a multiple of 8', { input: { prompt: 'x', width: 65 } }, 'input.width'],
    ['an unknown input field', { input: { prompt: 'x', colour: 'red' } }, 'input.colour'],
    ['an unknown body field', { input: { prompt: 'x' }, priority: 1 }, 'priority'],
    [
      'a too short timeout',
      { input: { prompt: 'x' }, execution_timeout_s: 1 },
      'execution_timeout_s',
    ],
  ])('rejects %s with 400 naming the field', async (_what, body, path) => {
    const res = await submit(body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  it('refuses fields that do not fit an image deployment before RunPod sees the job', async () => {
    const runs = () => sys.runpod.account(sys.apiKey).jobs.length;
    const before = runs();
    const res = await submit({
      input: { prompt: 'a clip', num_frames: 33, fps: 16, output_format: 'mp4', lora_scale: 0.5 },
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'input.fps',
      'input.lora_scale',
      'input.num_frames',
      'input.output_format',
    ]);
    expect(runs()).toBe(before);
  });

  it('runs an image-to-image job from a base64 init image, at its size, with a request adapter', async () => {
    const init = simulatedPng(96, 64, 'init', 1).toString('base64');
    const loras = [{ hf_repo: 'org/pixel-art', scale: 0.6 }];
    const res = await submit({
      input: { prompt: 'as a painting', image: init, strength: 0.5, loras },
    });
    expect(res.status).toBe(202);
    expect(JSON.stringify(res.body)).not.toContain(init.slice(0, 64));
    const done = await waitForJob(String(res.body.job_id), ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(done.output!.images[0]).toMatchObject({ width: 96, height: 64 });
    expect(done.output).toMatchObject({
      loras: [
        {
          name: expect.stringMatching(/^req_[0-9a-f]{16}$/),
          source: 'request',
          scale: 0.6,
          cache_hit: false,
        },
      ],
    });
    const stored = await sys.system.deps.jobs.get(String(res.body.job_id));
    expect(stored?.input.image).toBe(`base64 (${init.length} characters)`);
    expect(stored?.output?.loras).toEqual([
      expect.objectContaining({
        name: expect.stringMatching(/^req_[0-9a-f]{16}$/),
        cache_hit: false,
      }),
    ]);
  });

  it('rejects a webhook_url with credentials in it as WEBHOOK_URL_REJECTED', async () => {
    const res = await submit({
      input: { prompt: 'x' },
      webhook_url: 'https://user:pass@hooks.example.com/x',
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('WEBHOOK_URL_REJECTED');
    expect(res.body.errors).toEqual([{ path: 'webhook_url', message: expect.any(String) }]);
  });

  it("answers 404 for another owner's deployment and jobs", async () => {
    const res = await submit({ input: { prompt: 'mine' } });
    const id = String(res.body.job_id);
    const other = { Authorization: `Bearer ${fakeRunPodKey()}` };
    const attempts = [
      request(sys.url).get(`/v1/jobs/${id}`).set(other),
      request(sys.url).post(`/v1/jobs/${id}/cancel`).set(other),
      request(sys.url).get(`/v1/deployments/${deploymentId}/jobs`).set(other),
      request(sys.url)
        .post(`/v1/deployments/${deploymentId}/jobs`)
        .set(other)
        .send({ input: { prompt: 'x' } }),
    ];
    for (const r of await Promise.all(attempts)) {
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('NOT_FOUND');
    }
  });

  it('lists the deployment’s jobs newest first, page by page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(String((await submit({ input: { prompt: `n${i}` } })).body.job_id));
    const first = await request(sys.url)
      .get(`/v1/deployments/${deploymentId}/jobs?limit=2`)
      .set(auth());
    expect(first.status).toBe(200);
    expect(first.body.data.map((j: { job_id: string }) => j.job_id)).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await request(sys.url)
        .get(`/v1/deployments/${deploymentId}/jobs`)
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(auth());
      all.push(...page.body.data.map((j: { job_id: string }) => j.job_id));
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    expect(all.slice(0, 3).sort()).toEqual([...ids].sort());
    expect(new Set(all).size).toBe(all.length);
    const bad = await request(sys.url)
      .get(`/v1/deployments/${deploymentId}/jobs?cursor=nope`)
      .set(auth());
    expect(bad.status).toBe(400);
  });
});

describe('a job webhook on a deployment created without one', () => {
  it('creates the signing secret, returns it once and signs with it', async () => {
    const res = await request(sys.url)
      .post('/v1/deployments')
      .set(auth())
      .send({ hf_model_id: 'stabilityai/sd-turbo' });
    const id = String(res.body.deployment_id);
    await sys.waitForStatus(id, ['ready']);
    const first = await submit({ input: { prompt: 'a' }, webhook_url: sys.receiver.url }, id);
    const secret = String(first.body.webhook_secret);
    expect(secret).toMatch(/^whsec_/);
    const second = await submit({ input: { prompt: 'b' }, webhook_url: sys.receiver.url }, id);
    expect(second.body.webhook_secret).toBeUndefined();
    await sys.receiver.waitFor(
      (r) => r.filter((x) => x.body.includes(String(second.body.job_id))).length >= 1,
    );
    const hook = sys.receiver.received.find((x) => x.body.includes(String(second.body.job_id)))!;
    expect(verify(secret, hook).type).toBe('job.completed');
  });
});
