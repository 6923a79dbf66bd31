import { execFile } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import request from 'supertest';
import type { Deployment } from '@visgate/shared';
import {
  startLocalSystem,
  type LocalSystem,
  hostEnv,
  TINY_MODEL_ID as MODEL,
  buildTinyPipeline,
  tinyModelRepo,
  tinyRealWorker,
} from '@visgate/sim';

/**
 * Our real Python worker behind the RunPod simulator: the container's entry point
 * (`python -m visgate_worker.main`, worker/Dockerfile CMD) in the runpod SDK's local API mode, a
 * tiny random-weight Stable Diffusion pipeline on CPU served by the Hub simulator. No stand-in.
 */

jest.setTimeout(240_000);

const run = promisify(execFile);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decodes a PNG far enough to prove it is an image: IHDR size, and every IDAT row inflated. */
function decodePng(base64: string): { width: number; height: number } {
  const png = Buffer.from(base64, 'base64');
  expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // bit depth
      channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[data[9] ?? -1] ?? 0;
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  // One filter byte per row, then the pixels.
  expect(inflateSync(Buffer.concat(idat)).length).toBe(height * (1 + width * channels));
  return { width, height };
}

/** RunPod's own Python client against the simulator's data plane. */
const RUNPOD_CLIENT = `
import json, os, sys
import runpod

runpod.api_key = os.environ["RP_API_KEY"]
# runpod-python runpod/__init__.py: the data plane's base URL (RUNPOD_ENDPOINT_BASE_URL).
runpod.endpoint_url_base = os.environ["RP_BASE_URL"]
endpoint = runpod.Endpoint(os.environ["RP_ENDPOINT_ID"])
job_input = {"prompt": "a red square", "width": 64, "height": 64, "num_inference_steps": 2}
got = {"health": endpoint.health()}
got["run_sync"] = endpoint.run_sync({"input": {**job_input, "seed": 11}}, timeout=120)
job = endpoint.run({"input": {**job_input, "seed": 12}})
got["run_status"] = job.status()
got["run_output"] = job.output(timeout=120)
got["run_final_status"] = job.status()
got["purge"] = endpoint.purge_queue()
json.dump(got, sys.stdout)
`;

interface ImageOut {
  base64: string;
  width: number;
  height: number;
  seed: number;
  content_type: string;
}

describe('the real worker behind the RunPod simulator', () => {
  let sys: LocalSystem;
  let modelDir: string;
  const output: string[] = [];
  const workerLog = () => output.slice(-40).join('\n');

  beforeAll(async () => {
    // worker/tests/tiny_models.py builds it offline, as the worker's own tests do.
    modelDir = await buildTinyPipeline();
    sys = await startLocalSystem({
      // The worker reports ready after a Python start on CPU: give it the time a slow host needs.
      env: { LOAD_TIMEOUT_S: '180', READY_PROBE_AFTER_S: '180' },
      runpod: { idleTimeoutScale: 0, restartMs: 60_000 },
    });
    sys.hub.addRepo(tinyModelRepo(modelDir));
    sys.runpod.set({
      realWorker: tinyRealWorker(sys.hub.url, (_id, line) => output.push(line)),
    });
  });

  afterAll(async () => {
    await sys.close();
    rmSync(modelDir, { recursive: true, force: true });
  });

  it('boots from the Hub, reports progress and ready, serves PNGs to our API and to RunPod’s client, and stops on delete', async () => {
    const auth = { Authorization: `Bearer ${sys.apiKey}` };
    const created = await request(sys.url)
      .post('/v1/deployments')
      .set(auth)
      .send({ hf_model_id: MODEL, user_webhook_url: sys.receiver.url });
    expect(created.status).toBe(202);
    const id = String(created.body.deployment_id);
    const seen: Deployment[] = [];
    const unwatch = sys.system.store.watch(id, (d) => seen.push(d));

    const ready = await sys
      .waitForStatus(id, ['ready', 'failed'], 180_000)
      .catch((err: unknown) => {
        throw new Error(`${String(err)}\nworker output:\n${workerLog()}`);
      });
    unwatch();
    expect({ status: ready.status, error: ready.error }).toEqual({ status: 'ready', error: null });
    expect(ready.pipeline).toBe('StableDiffusionPipeline');

    // The worker's own callbacks: the Hub download's progress, then loading and ready.
    const [worker] = sys.runpod.account(sys.apiKey).workers;
    expect(worker?.pid).toEqual(expect.any(Number));
    const pid = worker!.pid!;
    const stages = seen.map((d) => d.progress.stage).filter((s, i, a) => s !== a[i - 1]);
    expect(stages).toEqual(expect.arrayContaining(['downloading', 'loading', 'ready']));
    const downloaded = seen
      .map((d) => d.progress)
      .find(
        (p) => p.stage === 'downloading' && p.source === 'huggingface' && (p.bytes_done ?? 0) > 0,
      );
    const weights = readdirSync(join(modelDir, 'unet')).map(
      (f) => statSync(join(modelDir, 'unet', f)).size,
    );
    expect(downloaded?.bytes_done).toBeGreaterThan(Math.max(...weights));
    expect(downloaded?.bytes_done).toBe(downloaded?.bytes_total);
    expect(downloaded?.worker_id).toBe(worker!.id);
    expect(ready.progress).toMatchObject({
      stage: 'ready',
      source: 'huggingface',
      worker_id: worker!.id,
    });
    expect(ready.timings.load_s).toEqual(expect.any(Number));
    const fetched = sys.hub.requests.filter(
      (r) =>
        r.kind === 'resolve' &&
        r.method === 'GET' &&
        r.filePath === 'unet/diffusion_pytorch_model.safetensors',
    );
    expect(fetched.map((r) => r.status)).toContain(200);

    // A job through our API runs on the real pipeline.
    const job = await request(sys.url)
      .post(`/v1/deployments/${id}/jobs`)
      .set(auth)
      .send({
        input: { prompt: 'a blue circle', width: 64, height: 64, num_inference_steps: 2, seed: 7 },
      });
    expect(job.status).toBe(202);
    let done: { status: string; output: { images: ImageOut[] } | null; error: unknown };
    for (;;) {
      const got = await request(sys.url)
        .get(`/v1/jobs/${String(job.body.job_id)}`)
        .set(auth);
      done = got.body as typeof done;
      if (['completed', 'failed', 'timed_out', 'cancelled'].includes(done.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect({ status: done.status, error: done.error }).toEqual({
      status: 'completed',
      error: null,
    });
    const [image] = done.output!.images;
    expect(image).toMatchObject({ content_type: 'image/png', width: 64, height: 64, seed: 7 });
    expect(decodePng(image!.base64)).toEqual({ width: 64, height: 64 });

    // RunPod's own client drives the same endpoint on the simulator's data plane.
    const endpointId = sys.runpod.account(sys.apiKey).endpoints[0]!.id;
    const client = await run('python3', ['-c', RUNPOD_CLIENT], {
      env: {
        ...hostEnv(),
        RP_API_KEY: sys.apiKey,
        RP_BASE_URL: `${sys.runpod.url}/v2`,
        RP_ENDPOINT_ID: endpointId,
      },
      timeout: 150_000,
    });
    const got = JSON.parse(client.stdout) as {
      health: { workers: Record<string, number>; jobs: Record<string, number> };
      run_sync: { images: ImageOut[] };
      run_status: string;
      run_output: { images: ImageOut[] };
      run_final_status: string;
      purge: { removed: number; status: string };
    };
    expect((got.health.workers.idle ?? 0) + (got.health.workers.running ?? 0)).toBe(1);
    expect(got.health.jobs.completed).toBeGreaterThanOrEqual(1);
    expect(got.run_sync.images[0]).toMatchObject({ width: 64, height: 64, seed: 11 });
    expect(decodePng(got.run_sync.images[0]!.base64)).toEqual({ width: 64, height: 64 });
    expect(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED']).toContain(got.run_status);
    expect(got.run_output.images[0]).toMatchObject({ width: 64, height: 64, seed: 12 });
    expect(decodePng(got.run_output.images[0]!.base64)).toEqual({ width: 64, height: 64 });
    // Two seeds, two different pictures: the pipeline ran.
    expect(got.run_output.images[0]!.base64).not.toBe(got.run_sync.images[0]!.base64);
    expect(got.run_final_status).toBe('COMPLETED');
    expect(got.purge).toEqual({ removed: 0, status: 'completed' });

    // Deleting the deployment deletes the endpoint, and the worker's process with it.
    const del = await request(sys.url).delete(`/v1/deployments/${id}`).set(auth);
    expect(del.status).toBe(202);
    await sys.waitForStatus(id, ['deleted'], 30_000);
    await sys.runpod.waitFor(() => sys.runpod.account(sys.apiKey).endpoints.length === 0, {
      timeoutMs: 30_000,
      what: 'endpoint deleted',
    });
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 15_000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive()).toBe(false);
  });
});
