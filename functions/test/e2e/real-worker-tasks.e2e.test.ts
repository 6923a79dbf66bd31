import { rmSync } from 'node:fs';
import request from 'supertest';
import { TERMINAL_JOB_STATUSES, type JobStatus } from '@visgate/shared';
import {
  buildTinyLora,
  buildTinyPipeline,
  mp4Facts,
  mp4Layout,
  startLocalSystem,
  tinyModelRepo,
  tinyRealWorker,
  type LocalSystem,
} from '@visgate/sim';
import { pollUntil } from '../../test-support/poll-until';

/**
 * Issue 16 end to end on our real Python worker (the container's entry point on CPU behind the
 * RunPod simulator, tiny random-weight pipelines served by the Hub simulator): a text-to-video
 * deployment answers an H.264 MP4 through our API; an image-to-image deployment with a LoRA of its
 * own loads it before ready, then serves image-to-image and per-job adapters on one warm worker
 * without loading the base model again.
 */

jest.setTimeout(300_000);

const WAN = { id: 'visgate-test/tiny-wan', sha: 'a1'.repeat(20), pipelineTag: 'text-to-video' };
const SD1 = { id: 'visgate-test/tiny-sd1-i2i', sha: 'b2'.repeat(20), pipelineTag: 'text-to-image' };
const LORA_A = { id: 'visgate-test/tiny-lora-a', sha: 'c3'.repeat(20), pipelineTag: null };
const LORA_B = { id: 'visgate-test/tiny-lora-b', sha: 'd4'.repeat(20), pipelineTag: null };

describe('the real worker serves video, image-to-image and LoRA adapters', () => {
  let sys: LocalSystem;
  const dirs: string[] = [];
  const output: string[] = [];
  const workerLog = () => output.slice(-60).join('\n');
  const auth = () => ({ Authorization: `Bearer ${sys.apiKey}` });

  beforeAll(async () => {
    const [wan, sd1] = await Promise.all([
      buildTinyPipeline('build_wan'),
      buildTinyPipeline('build_sd1'),
    ]);
    const loraA = await buildTinyLora(sd1);
    const loraB = await buildTinyLora(sd1);
    dirs.push(wan, sd1, loraA, loraB);
    sys = await startLocalSystem({
      env: { LOAD_TIMEOUT_S: '240', READY_PROBE_AFTER_S: '240' },
      runpod: { idleTimeoutScale: 0, restartMs: 60_000 },
    });
    sys.hub.addRepo(tinyModelRepo(wan, WAN));
    sys.hub.addRepo(tinyModelRepo(sd1, SD1));
    sys.hub.addRepo(tinyModelRepo(loraA, LORA_A));
    sys.hub.addRepo(tinyModelRepo(loraB, LORA_B));
    sys.runpod.set({
      realWorker: tinyRealWorker(sys.hub.url, (_id, line) => output.push(line), [WAN.id, SD1.id]),
    });
  });

  afterAll(async () => {
    await sys.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function deployToReady(body: Record<string, unknown>): Promise<string> {
    const created = await request(sys.url).post('/v1/deployments').set(auth()).send(body);
    expect(created.status).toBe(202);
    const id = String(created.body.deployment_id);
    const ready = await sys.waitForStatus(id, ['ready', 'failed'], 240_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\nworker output:\n${workerLog()}`);
    });
    expect({
      status: ready.status,
      error: ready.error,
      log: ready.error ? workerLog() : '',
    }).toEqual({ status: 'ready', error: null, log: '' });
    return id;
  }

  async function runJob(id: string, input: Record<string, unknown>) {
    const job = await request(sys.url)
      .post(`/v1/deployments/${id}/jobs`)
      .set(auth())
      .send({ input });
    expect({ status: job.status, problem: job.status === 202 ? null : job.body }).toEqual({
      status: 202,
      problem: null,
    });
    let body = { status: 'queued', output: {} as Record<string, unknown>, error: null as unknown };
    await pollUntil(
      async () => {
        const got = await request(sys.url)
          .get(`/v1/jobs/${String(job.body.job_id)}`)
          .set(auth());
        body = got.body as typeof body;
        return TERMINAL_JOB_STATUSES.includes(body.status as JobStatus);
      },
      120_000,
      100,
    );
    expect({ status: body.status, error: body.error }).toEqual({
      status: 'completed',
      error: null,
    });
    return body.output;
  }

  it('a Wan deployment is text-to-video and answers an H.264 MP4 with the frames asked for', async () => {
    const id = await deployToReady({ hf_model_id: WAN.id });
    const doc = await request(sys.url).get(`/v1/deployments/${id}`).set(auth());
    expect(doc.body).toMatchObject({ task: 'text-to-video', pipeline: 'WanPipeline' });

    const out = await runJob(id, {
      prompt: 'a paper boat on a pond',
      width: 96,
      height: 64,
      num_frames: 9,
      fps: 8,
      num_inference_steps: 2,
      seed: 3,
    });
    const video = out.video as Record<string, unknown>;
    expect(video).toMatchObject({
      content_type: 'video/mp4',
      width: 96,
      height: 64,
      frames: 9,
      fps: 8,
      seed: 3,
    });
    expect(video.duration_s).toBeCloseTo(9 / 8, 2);
    const bytes = Buffer.from(String(video.base64), 'base64');
    expect(mp4Facts(bytes)).toMatchObject({ width: 96, height: 64, frames: 9, fps: 8 });
    const layout = mp4Layout(bytes);
    expect(layout.codec).toBe('avc1');
    // +faststart: the index comes before the media, so a browser plays it while it downloads.
    expect(layout.topLevel.indexOf('moov')).toBeLessThan(layout.topLevel.indexOf('mdat'));
  });

  it('an SD 1.5 deployment with its own LoRA serves image-to-image and per-job adapters on one warm worker', async () => {
    const id = await deployToReady({
      hf_model_id: SD1.id,
      task: 'img2img',
      loras: [{ hf_repo: LORA_A.id, scale: 0.8 }],
    });
    const doc = await request(sys.url).get(`/v1/deployments/${id}`).set(auth());
    expect(doc.body.task).toBe('image-to-image');
    expect(doc.body.loras).toEqual([expect.objectContaining({ hf_repo: LORA_A.id, scale: 0.8 })]);

    const base = { prompt: 'a red square', width: 64, height: 64, num_inference_steps: 2, seed: 5 };
    const t2i = await runJob(id, base);
    const init = (t2i.images as { base64: string }[])[0]!.base64;
    expect(t2i.loras).toEqual([
      expect.objectContaining({ name: 'lora_0', source: 'deployment', scale: 0.8 }),
    ]);

    const perJob = { ...base, image: init, strength: 0.6, loras: [{ hf_repo: LORA_B.id }] };
    const first = await runJob(id, perJob);
    const second = await runJob(id, { ...perJob, lora_scale: 0 });
    const images = [first, second].map((o) => (o.images as { width: number; height: number }[])[0]);
    expect(images).toEqual([
      expect.objectContaining({ width: 64, height: 64 }),
      expect.objectContaining({ width: 64, height: 64 }),
    ]);
    const requested = [first, second].map((o) =>
      (o.loras as { source: string; cache_hit: boolean; name: string }[]).find(
        (l) => l.source === 'request',
      ),
    );
    expect(requested.map((l) => l?.cache_hit)).toEqual([false, true]);
    expect(requested[0]?.name).toMatch(/^req_[0-9a-f]{16}$/);
    expect((second.loras as { source: string; scale: number }[])[0]).toMatchObject({
      source: 'deployment',
      scale: 0,
    });
    // One warm worker: the base model was loaded once, for the boot.
    const loads = output.filter((l) => /loaded StableDiffusion\w*Pipeline in/.test(l));
    expect(loads).toHaveLength(1);
  });
});
