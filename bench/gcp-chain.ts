/**
 * `npm run bench:gcp`: the GCP-shaped chain on Google's emulators. Every manifest function runs in a
 * functions-framework server on loopback; the step functions get their messages from Pub/Sub
 * emulator push subscriptions, the task functions theirs from our Cloud Tasks facade; documents
 * live in the Firestore emulator; RunPod and the Hub are the simulators. Measured per deployment:
 * POST → RunPod create-endpoint response (validate → selectGpu → provision: three Pub/Sub hops) and
 * worker ready → webhook received (the ready callback handled by `api`, a Cloud Tasks dispatch to
 * `deliverWebhook`, the signed POST). Deployments run one at a time by default (latency, not
 * throughput: the emulator pushes one message at a time per subscription). Prints a markdown table;
 * asserts nothing.
 */
import { cpus, loadavg } from 'node:os';
import { fakeRunPodKey } from '@visgate/sim';
import { startCloudTasksEmulator } from '../functions/test-support/emulators/cloud-tasks-emulator';
import { startFirestoreEmulator } from '../functions/test-support/emulators/firestore-emulator';
import { startGcpSystem } from '../functions/test-support/emulators/gcp-system';
import { startPubSubEmulator } from '../functions/test-support/emulators/pubsub-emulator';

const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 50);
const WARMUP = 3;
const now = (): number => Date.now();

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
    NaN
  );
}

async function main(): Promise<void> {
  const t0 = now();
  const [firestore, pubsub, tasks] = await Promise.all([
    startFirestoreEmulator(),
    startPubSubEmulator(),
    startCloudTasksEmulator(),
  ]);
  const startS = (now() - t0) / 1000;
  // The emulator addresses, published the way jest's globalSetup does (gcp-test-config reads them).
  process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
  process.env.PUBSUB_EMULATOR_HOST = pubsub.host;
  process.env.CLOUD_TASKS_EMULATOR_HOST = tasks.host;
  process.env.METADATA_SERVER_DETECTION = 'none';
  try {
    const sys = await startGcpSystem();
    const createdAt = new Map<string, number>();
    const webhookAt = new Map<string, number>();
    sys.runpod.set({
      onResponse: (r) => {
        const body = r.body as { name?: string } | undefined;
        if (r.method === 'POST' && r.route === '/v2/serverless' && r.status === 201 && body?.name)
          createdAt.set(body.name.replace('visgate-', ''), now());
      },
    });
    sys.receiver.respond = ({ body }) => {
      const e = JSON.parse(body) as { type: string; data: { deployment_id: string } };
      if (e.type === 'deployment.ready') webhookAt.set(e.data.deployment_id, now());
      return 204;
    };

    const rows = {
      accepted: [] as number[],
      hop1: [] as number[],
      hop2: [] as number[],
      hop3: [] as number[],
      validate: [] as number[],
      create: [] as number[],
      webhook: [] as number[],
    };
    for (let i = 0; i < WARMUP + DEPLOYMENTS; i += 1) {
      const key = fakeRunPodKey();
      sys.runpod.addAccount(key);
      const posted = now();
      const res = await fetch(`${sys.url}/v1/deployments`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          hf_model_id: 'stabilityai/sd-turbo',
          user_webhook_url: sys.receiver.url,
        }),
      });
      const accepted = now();
      if (res.status !== 202) throw new Error(`POST: HTTP ${res.status} ${await res.text()}`);
      const { deployment_id: id } = (await res.json()) as { deployment_id: string };
      const doc = await new Promise<{ readyAt: number }>((resolve, reject) => {
        const stop = sys.gcp.deps.store.watch(id, (d) => {
          if (d.status === 'failed') {
            stop();
            reject(new Error(`${id} failed: ${d.error?.code ?? ''} ${d.error?.message ?? ''}`));
          }
          if (d.runtime.worker_ready_at !== null && webhookAt.has(id)) {
            stop();
            resolve({ readyAt: Date.parse(d.runtime.worker_ready_at) });
          }
        });
        // The webhook can land after the listener's last change: look again when it does.
        void sys.receiver
          .waitFor(() => webhookAt.has(id), 30_000)
          .then(async () => {
            const d = await sys.gcp.deps.store.get(id);
            if (d?.runtime.worker_ready_at) {
              stop();
              resolve({ readyAt: Date.parse(d.runtime.worker_ready_at) });
            }
          }, reject);
      });
      if (i < WARMUP) continue;
      rows.accepted.push(accepted - posted);
      rows.create.push(createdAt.get(id)! - posted);
      rows.webhook.push(webhookAt.get(id)! - doc.readyAt);
      // Where the time goes, from the document's history: validate marks `validating` when it starts
      // and `selecting_gpu` when it is done; selectGpu marks `provisioning` when it is done.
      const history = (await sys.gcp.deps.store.get(id))!.history;
      const at = (to: string): number => Date.parse(history.find((h) => h.to === to)!.at);
      rows.hop1.push(at('validating') - posted);
      rows.validate.push(at('selecting_gpu') - at('validating'));
      rows.hop2.push(at('provisioning') - at('selecting_gpu'));
      rows.hop3.push(createdAt.get(id)! - at('provisioning'));
    }

    console.log(
      `\n${DEPLOYMENTS} deployments of stabilityai/sd-turbo one at a time (after ${WARMUP} warm-up), ` +
        `Google's Firestore and Pub/Sub emulators (started in ${startS.toFixed(1)} s), functions-framework ` +
        `servers, Cloud Tasks facade, node ${process.version}; ${cpus().length} CPUs, load average ` +
        `${loadavg()
          .map((x) => x.toFixed(1))
          .join(' / ')} (1 / 5 / 15 min) at the end\n`,
    );
    console.log('| measure | n | p50 | p99 | max | goal (p50) |');
    console.log('|---|---|---|---|---|---|');
    const table: [string, number[], string][] = [
      ['POST → 202 accepted', rows.accepted, ''],
      ['· POST → validating (api, push 1, validate starts)', rows.hop1, ''],
      ['· validating → selecting_gpu (validate: Hub checks)', rows.validate, ''],
      ['· selecting_gpu → provisioning (push 2, selectGpu)', rows.hop2, ''],
      ['· provisioning → RunPod create response (push 3, provision)', rows.hop3, ''],
      ['POST → RunPod create-endpoint response (3 Pub/Sub push hops)', rows.create, '≤ 300 ms'],
      ['worker ready (handled by api) → webhook received', rows.webhook, '≤ 100 ms'],
    ];
    for (const [name, values, goal] of table)
      console.log(
        `| ${name} | ${values.length} | ${percentile(values, 50)} ms | ${percentile(values, 99)} ms | ${Math.max(...values)} ms | ${goal} |`,
      );
    await sys.close();
  } finally {
    await Promise.all([firestore.close(), pubsub.close(), tasks.close()]);
  }
}

void main();
