import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeProgress, verifyWebhook, type PublicDeployment } from '@visgate/shared';
import { createMemoryLogger, readSse } from '@visgate/functions';
import { startLocalSystem, type LocalSystem } from './local-system';
import {
  TINY_MODEL_ID,
  buildTinyPipeline,
  pngSize,
  tinyModelRepo,
  tinyRealWorker,
} from './tiny-worker-model';

const tty = process.stdout.isTTY;
const started = Date.now();
const stamp = (): string => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`;
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Prints status lines; on a terminal the download bar updates in place instead of scrolling. */
function createStatusPrinter() {
  let lastLine = '';
  let inPlace = false;
  return (d: PublicDeployment): void => {
    const line = `  ${stamp()} ${describeProgress(d)}`;
    const body = line.slice(10);
    if (body === lastLine) return;
    const sameStep =
      d.status === 'loading' &&
      d.progress.stage === 'downloading' &&
      lastLine.includes('downloading');
    if (tty && sameStep && inPlace) process.stdout.write(`\r\x1b[2K${line}`);
    else process.stdout.write(`${inPlace ? '\n' : ''}${line}${tty ? '' : '\n'}`);
    inPlace = tty;
    lastLine = body;
    if (!tty) inPlace = false;
  };
}

async function follow(
  sys: LocalSystem,
  id: string,
  until: readonly string[],
): Promise<PublicDeployment> {
  const print = createStatusPrinter();
  let last: PublicDeployment | null = null;
  for await (const frame of readSse(`${sys.url}/v1/deployments/${id}/events`, {
    Authorization: `Bearer ${sys.apiKey}`,
  })) {
    last = JSON.parse(frame.data) as PublicDeployment;
    print(last);
    if (until.includes(last.status)) break;
  }
  if (tty) say('');
  if (!last) throw new Error('the event stream closed without a status');
  return last;
}

/** Runs one job through our API and saves its image; returns the file and the PNG's size. */
async function runJob(sys: LocalSystem, id: string): Promise<string> {
  const auth = { Authorization: `Bearer ${sys.apiKey}`, 'Content-Type': 'application/json' };
  const input = { prompt: 'a lighthouse at dusk', width: 64, height: 64, num_inference_steps: 2 };
  say(`→ POST /v1/deployments/${id}/jobs ${JSON.stringify({ input })}`);
  const res = await fetch(`${sys.url}/v1/deployments/${id}/jobs`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ input }),
  });
  const created = (await res.json()) as { job_id: string };
  if (res.status !== 202)
    throw new Error(`job POST failed: ${res.status} ${JSON.stringify(created)}`);
  for (;;) {
    const got = await fetch(`${sys.url}/v1/jobs/${created.job_id}`, { headers: auth });
    const job = (await got.json()) as {
      status: string;
      error: unknown;
      output: { images: { base64?: string }[] } | null;
      timings: { execution_s: number | null };
    };
    if (job.status === 'completed') {
      const png = Buffer.from(job.output?.images[0]?.base64 ?? '', 'base64');
      const size = pngSize(png);
      if (!size) throw new Error('the job did not return a PNG');
      const file = join(tmpdir(), `visgate-demo-${created.job_id}.png`);
      writeFileSync(file, png);
      return `${size.width}×${size.height} PNG in ${String(job.timings.execution_s)} s, saved to ${file}`;
    }
    if (['failed', 'timed_out', 'cancelled'].includes(job.status))
      throw new Error(`job ${job.status}: ${JSON.stringify(job.error)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * `npm run demo`: one deployment of stabilityai/sd-turbo through every step, offline, against the
 * RunPod and Hugging Face simulators — live progress over SSE, the signed ready webhook verified on
 * a local receiver, then delete and proof that nothing is left on the (simulated) RunPod account.
 *
 * `npm run demo -- --real-worker`: the same with our real Python worker behind the RunPod simulator
 * (a tiny random-weight pipeline on CPU, fetched from the Hub simulator), one job through the API,
 * and proof that delete stopped the worker's process.
 */
async function main(): Promise<void> {
  const realWorker = process.argv.includes('--real-worker');
  const log = createMemoryLogger('info');
  let modelDir: string | null = null;
  if (realWorker) {
    say('building a tiny random-weight Stable Diffusion pipeline (worker/tests/tiny_models.py)…');
    modelDir = await buildTinyPipeline();
  }
  const sys = await startLocalSystem({
    log,
    env: {
      POLL_INTERVAL_MS: '300',
      POLL_MAX_INTERVAL_MS: '1000',
      LOG_LEVEL: 'info',
      // A Python start on CPU takes longer than the played worker.
      ...(realWorker ? { LOAD_TIMEOUT_S: '300', READY_PROBE_AFTER_S: '300' } : {}),
    },
    runpod: {
      initMs: 700,
      downloadMs: 3000,
      downloadSteps: 12,
      loadMs: 900,
      latencyMs: 30,
      // The real worker stays up until the deployment is deleted.
      ...(realWorker ? { idleTimeoutScale: 0 } : {}),
    },
    hub: { latencyMs: 15 },
  });
  if (modelDir !== null) {
    sys.hub.addRepo(tinyModelRepo(modelDir));
    sys.runpod.set({ realWorker: tinyRealWorker(sys.hub.url) });
  }
  const model = realWorker ? TINY_MODEL_ID : 'stabilityai/sd-turbo';
  try {
    say('Visgate Deploy: local demo (RunPod and the Hugging Face Hub are simulated on loopback)');
    if (realWorker)
      say('  RunPod workers run the real worker: python3 -m visgate_worker.main, on CPU');
    say(`  API ${sys.url}   RunPod sim ${sys.runpod.url}   Hub sim ${sys.hub.url}`);
    say(`  webhook receiver ${sys.receiver.url}\n`);

    const body = { hf_model_id: model, user_webhook_url: sys.receiver.url };
    say(`→ POST /v1/deployments ${JSON.stringify(body)}`);
    const res = await fetch(`${sys.url}/v1/deployments`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${sys.apiKey}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': 'demo-1',
      },
      body: JSON.stringify(body),
    });
    const created = (await res.json()) as { deployment_id: string; webhook_secret: string };
    if (res.status !== 202)
      throw new Error(`POST failed: ${res.status} ${JSON.stringify(created)}`);
    const id = created.deployment_id;
    say(
      `  ${res.status} ${id}; webhook secret ${created.webhook_secret.slice(0, 12)}… (shown only once)\n`,
    );

    say(`  live status from GET /v1/deployments/${id}/events:`);
    const ready = await follow(sys, id, ['ready', 'failed']);
    if (ready.status !== 'ready')
      throw new Error(`deployment failed: ${JSON.stringify(ready.error)}`);

    const hook = (await sys.receiver.waitFor((r) => r.length > 0))[0];
    if (!hook) throw new Error('no webhook received');
    const ok = await verifyWebhook(
      created.webhook_secret,
      {
        id: String(hook.headers['webhook-id']),
        timestamp: String(hook.headers['webhook-timestamp']),
        signature: String(hook.headers['webhook-signature']),
      },
      hook.body,
      Math.floor(Date.now() / 1000),
    );
    const event = JSON.parse(hook.body) as {
      type: string;
      data: { usage_example: { url: string } };
    };
    if (!ok) throw new Error('webhook signature did not verify');
    say(
      `\n✓ webhook ${event.type} received; Standard Webhooks signature verified (webhook-id ${String(hook.headers['webhook-id'])})`,
    );
    say(`  endpoint ${ready.endpoint_url}`);
    say(`  try it:  POST ${event.data.usage_example.url}  (RunPod key as Bearer token)\n`);

    const pid = sys.runpod.account(sys.apiKey).workers[0]?.pid ?? null;
    if (realWorker) say(`  ✓ job: ${await runJob(sys, id)}\n`);

    say(`→ DELETE /v1/deployments/${id}`);
    const del = await fetch(`${sys.url}/v1/deployments/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${sys.apiKey}` },
    });
    say(`  ${del.status}`);
    await follow(sys, id, ['deleted']).catch(async () => sys.waitForStatus(id, ['deleted']));
    const account = sys.runpod.account(sys.apiKey);
    if (account.endpoints.length > 0 || account.templates.length > 0)
      throw new Error('RunPod resources left behind');
    say(
      `\n✓ RunPod account: ${account.endpoints.length} endpoints, ${account.templates.length} templates; nothing is billing`,
    );
    if (pid !== null) {
      const deadline = Date.now() + 15_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (alive(pid)) throw new Error(`worker process ${pid} still running`);
      say(`✓ worker process ${pid} stopped with its endpoint`);
    }
  } catch (e) {
    say(`\n✗ demo failed: ${e instanceof Error ? e.message : String(e)}`);
    say(log.lines.slice(-15).join('\n'));
    process.exitCode = 1;
  } finally {
    await sys.close();
    if (modelDir !== null) rmSync(modelDir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

void main();
