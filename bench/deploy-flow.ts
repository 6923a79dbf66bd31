/**
 * `npm run bench`: the control plane's own latency, with zero-latency simulators so only our code
 * (and loopback HTTP) is measured. 200 deployments, 10 at a time, each on its own RunPod account so
 * management calls can be counted per deployment. Prints a markdown table; asserts nothing.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { buildEmbeddedSystem } from '../functions/src/wiring/embedded';
import { loadConfig } from '../functions/src/config';
import { createApp } from '../functions/src/edge/app';
import { createMemoryLogger } from '../functions/src/adapters/log/json-logger';
import { startHfSim, fakeRunPodKey, startRunPodSim, startWebhookReceiver } from '@visgate/sim';

const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);

const now = (): number => performance.now();

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
    NaN
  );
}

async function main(): Promise<void> {
  const runpod = await startRunPodSim({
    initMs: 0,
    downloadMs: 0,
    loadMs: 0,
    jobMs: 0,
    idleTimeoutScale: 0,
  });
  const hub = await startHfSim();
  const receiver = await startWebhookReceiver();
  // Timestamps the bench needs at the edges: worker callback arrival, RunPod create response,
  // status change to ready (listener), webhook arrival (receiver).
  const callbackAt = new Map<string, number>();
  const createdAt = new Map<string, number>();
  const readyAt = new Map<string, number>();
  const webhookAt = new Map<string, number>();
  runpod.set({
    onResponse: (r) => {
      const body = r.body as { name?: string } | undefined;
      if (r.method === 'POST' && r.route === '/v2/serverless' && r.status === 201 && body?.name) {
        createdAt.set(body.name.replace('visgate-', ''), now());
      }
    },
  });
  receiver.respond = ({ body }) => {
    const e = JSON.parse(body) as { type: string; data: { deployment_id: string } };
    if (e.type === 'deployment.ready') webhookAt.set(e.data.deployment_id, now());
    return 204;
  };
  const outer = express();
  outer.use('/internal/worker-events/:id', express.json(), (req, _res, next) => {
    if ((req.body as { type?: string }).type === 'ready') callbackAt.set(req.params.id, now());
    next();
  });
  outer.use((req, res, next) => {
    // express.json above consumed the body; hand the parsed body on to the API app.
    createApp(system.deps)(req, res, next);
  });
  const server = await new Promise<Server>((resolve) => {
    const s = outer.listen(0, '127.0.0.1', () => {
      resolve(s);
    });
  });
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    RUNPOD_API_URL: runpod.url,
    RUNPOD_ENDPOINT_URL: runpod.url,
    HF_HUB_URL: hub.url,
    POLL_INTERVAL_MS: '1000',
    LOG_LEVEL: 'warn',
    WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true',
    // Workers call back through the outer app, bound before the system so config names it.
    PUBLIC_BASE_URL: api,
  });
  const system = buildEmbeddedSystem(config, { log: createMemoryLogger('warn') });

  const postAt = new Map<string, number>();
  const keys = new Map<string, string>();
  const runOne = async (): Promise<void> => {
    const key = fakeRunPodKey();
    runpod.addAccount(key);
    const t0 = now();
    const res = await fetch(`${api}/v1/deployments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ hf_model_id: 'stabilityai/sd-turbo', user_webhook_url: receiver.url }),
    });
    const { deployment_id: id } = (await res.json()) as { deployment_id: string };
    postAt.set(id, t0);
    keys.set(id, key);
    await new Promise<void>((resolve, reject) => {
      const stop = system.store.watch(id, (d) => {
        if (d.status === 'ready' && !readyAt.has(id)) readyAt.set(id, now());
        if (d.status === 'failed') reject(new Error(`${id} failed: ${d.error?.code}`));
        if (
          d.status === 'ready' &&
          d.webhook?.deliveries[0]?.status === 'delivered' &&
          d.runtime.settled
        ) {
          stop();
          resolve();
        }
      });
    });
  };

  const wall0 = now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < DEPLOYMENTS) {
        next += 1;
        await runOne();
      }
    }),
  );
  const wallS = (now() - wall0) / 1000;
  const createCalls = [...keys.values()].map(
    (k) => runpod.calls.filter((c) => c.account === k && c.plane === 'management').length,
  );
  const pollCalls = [...keys.values()].map(
    (k) => runpod.calls.filter((c) => c.account === k && c.plane === 'data').length,
  );

  const mark = runpod.calls.length;
  await Promise.all(
    [...keys.entries()].map(async ([id, key]) => {
      await fetch(`${api}/v1/deployments/${id}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${key}` },
      });
      await new Promise<void>((resolve) => {
        const stop = system.store.watch(id, (d) => {
          if (d.status === 'deleted') {
            stop();
            resolve();
          }
        });
      });
    }),
  );
  const deleteCalls = [...keys.values()].map(
    (k) =>
      runpod.calls.slice(mark).filter((c) => c.account === k && c.plane === 'management').length,
  );
  const left = [...keys.values()].reduce(
    (n, k) => n + runpod.account(k).endpoints.length + runpod.account(k).templates.length,
    0,
  );

  const ids = [...keys.keys()];
  const series = (f: (id: string) => number): number[] =>
    ids.map(f).filter((x) => Number.isFinite(x));
  const rows: [string, number[], string][] = [
    [
      'POST → RunPod create-endpoint response',
      series((id) => createdAt.get(id)! - postAt.get(id)!),
      'ms',
    ],
    [
      'worker ready callback → status ready',
      series((id) => readyAt.get(id)! - callbackAt.get(id)!),
      'ms',
    ],
    [
      'status ready → webhook received',
      series((id) => webhookAt.get(id)! - readyAt.get(id)!),
      'ms',
    ],
    [
      'worker ready callback → webhook received',
      series((id) => webhookAt.get(id)! - callbackAt.get(id)!),
      'ms',
    ],
    ['RunPod management calls, create → ready + settle', createCalls, 'calls'],
    ['RunPod data-plane calls (health polls), create → ready', pollCalls, 'calls'],
    ['RunPod management calls, delete', deleteCalls, 'calls'],
  ];
  const fmt = (x: number, unit: string): string => (unit === 'ms' ? x.toFixed(1) : x.toFixed(0));
  console.log(
    `\n${DEPLOYMENTS} deployments of stabilityai/sd-turbo, ${CONCURRENCY} at a time, zero-latency simulators, node ${process.version}`,
  );
  console.log(
    `wall time ${wallS.toFixed(1)} s (${(DEPLOYMENTS / wallS).toFixed(1)} deployments/s to ready); RunPod resources left after delete: ${left}\n`,
  );
  console.log('| measure | n | p50 | p99 | max | unit |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, values, unit] of rows) {
    console.log(
      `| ${name} | ${values.length} | ${fmt(percentile(values, 50), unit)} | ${fmt(percentile(values, 99), unit)} | ${fmt(Math.max(...values), unit)} | ${unit} |`,
    );
  }

  system.close();
  server.closeAllConnections();
  server.close();
  await Promise.all([runpod.close(), hub.close(), receiver.close()]);
}

void main();
