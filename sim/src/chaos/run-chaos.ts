import { SETTLED_STATUSES, type Deployment } from '@visgate/shared';
import {
  createHttpWebhookSender,
  createHubClient,
  createMemoryLogger,
  createRunPodClient,
} from '@visgate/functions';
import { fakeRunPodKey, startLocalSystem, type LocalSystem } from '../local-system';
import {
  createFaultPlan,
  crashAfterSideEffects,
  crashAfterWebhook,
  faultyFetch,
  seededRandom,
  type FaultPlan,
} from './fault-plan';
import { createScaledTime } from './scaled-time';

export interface ChaosOptions {
  seed: number;
  deployments: number;
  /** Share of outbound RunPod/Hub calls, side effects and webhook sends that get a fault. */
  faultRate: number;
  /** Simulated seconds per real second. */
  timeScale: number;
  /** Deployments in flight at once. */
  concurrency: number;
  /** Share of deployments deleted at a random moment. */
  deleteShare: number;
  /** Share of webhook requests the receiver answers 503. */
  receiverFailRate: number;
  accounts: number;
}

export const DEFAULT_CHAOS: ChaosOptions = {
  seed: 1,
  deployments: 500,
  faultRate: 0.2,
  timeScale: 300,
  concurrency: 40,
  deleteShare: 0.3,
  receiverFailRate: 0.2,
  accounts: 10,
};

/** Models by what they should end as: ready, or a failure with its own code. */
const WORKLOAD: { model: string; weight: number }[] = [
  { model: 'stabilityai/sd-turbo', weight: 35 },
  { model: 'stabilityai/stable-diffusion-xl-base-1.0', weight: 15 },
  { model: 'black-forest-labs/FLUX.1-schnell', weight: 10 },
  { model: 'stabilityai/stable-diffusion-2-1', weight: 10 }, // crash-looping workers
  { model: 'black-forest-labs/FLUX.1-dev', weight: 10 }, // gated, no token
  { model: 'nobody-here/missing-model', weight: 10 },
  { model: 'openai/whisper-large-v3', weight: 10 }, // not diffusers
];

export interface ChaosReport {
  options: ChaosOptions;
  wallS: number;
  simulatedS: number;
  outboundCalls: number;
  faults: FaultPlan['injected'];
  faultShare: number;
  busAndTasksDuplicated: boolean;
  deployments: number;
  terminal: number;
  byStatus: Record<string, number>;
  byError: Record<string, number>;
  duplicateEndpoints: number;
  orphansPlanted: number;
  orphansBeforeReaper: number;
  orphansAtEnd: number;
  webhooksExpected: number;
  webhooksLost: number;
  webhooksMultipleIds: number;
  webhookAttemptsReceived: number;
  postRetries: number;
}

function pick(random: () => number): string {
  const total = WORKLOAD.reduce((n, w) => n + w.weight, 0);
  let r = random() * total;
  for (const w of WORKLOAD) {
    r -= w.weight;
    if (r < 0) return w.model;
  }
  return WORKLOAD[0]!.model;
}

/**
 * Runs randomized deployments and deletions through the embedded system against the simulators
 * with injected faults (RunPod/Hub 5xx, 429, timeouts, lost responses, crashes right after side
 * effects and webhook sends, crash-looping workers, capacity loss, every message and task delivered
 * twice and out of order), on simulated time; then one reaper cycle with faults off, and counts
 * what a user would care about.
 */
export async function runChaos(partial: Partial<ChaosOptions> = {}): Promise<ChaosReport> {
  const o = { ...DEFAULT_CHAOS, ...partial };
  const random = seededRandom(o.seed);
  const plan = createFaultPlan(o.seed + 1, o.faultRate);
  const time = createScaledTime(o.timeScale);
  const log = createMemoryLogger('warn');
  const sys: LocalSystem = await startLocalSystem({
    log,
    clock: time.clock,
    env: {
      POLL_INTERVAL_MS: '5000',
      POLL_MAX_INTERVAL_MS: '30000',
      WEBHOOK_RETRY_SCHEDULE_S: '0,5,300,1800,7200,18000,36000,36000',
      THROTTLE_GRACE_S: '300',
      READY_PROBE_AFTER_S: '600',
      LOAD_TIMEOUT_S: '3600',
      STEP_DEADLINE_S: '900',
      // Simulated time runs 300× faster than the real I/O inside one attempt; the lease must
      // still outlast an attempt, as 150 s does in production against 15 s call timeouts.
      PROVISION_LEASE_S: String(Math.max(150, 8 * o.timeScale)),
      REAPER_INTERVAL_S: '120',
      BUS_DUPLICATE_DELIVERY: 'true',
      LOG_LEVEL: 'warn',
    },
    runpod: {
      crashLoopModels: ['stabilityai/stable-diffusion-2-1'],
      initMs: 20,
      downloadMs: 30,
      loadMs: 20,
      restartMs: 20,
      seed: o.seed,
    },
    system: ({ config }) => ({
      timers: time.timers,
      jitterMs: 2000,
      random: seededRandom(o.seed + 2),
      overrides: {
        runpod: crashAfterSideEffects(
          createRunPodClient({
            apiBaseUrl: config.RUNPOD_API_URL,
            endpointBaseUrl: config.RUNPOD_ENDPOINT_URL,
            timeoutMs: 5000,
            fetch: faultyFetch(plan),
          }),
          plan,
        ),
        hub: createHubClient({
          hubUrl: config.HF_HUB_URL,
          timeoutMs: 5000,
          fetch: faultyFetch(plan),
        }),
        webhooks: crashAfterWebhook(createHttpWebhookSender({ allowPrivateHosts: true }), plan),
      },
    }),
  });
  // The reaper runs through the chaos as it would in production (every 120 simulated s).
  let reaping: Promise<unknown> = Promise.resolve();
  const reaperTimer = setInterval(
    () => {
      reaping = reaping.then(() => sys.system.reap()).catch(() => undefined);
    },
    (120 * 1000) / o.timeScale,
  );
  const receiverRandom = seededRandom(o.seed + 3);
  sys.receiver.respond = () => (plan.enabled && receiverRandom() < o.receiverFailRate ? 503 : 204);
  const keys = Array.from({ length: o.accounts }, () => {
    const k = fakeRunPodKey();
    sys.runpod.addAccount(k);
    return k;
  });
  const capacityTimer = setInterval(() => {
    const pools = ['AMPERE_16', 'AMPERE_24', 'ADA_24', 'AMPERE_48'];
    sys.runpod.set({
      capacity: Object.fromEntries(pools.filter(() => random() < 0.3).map((p) => [p, 0])),
    });
  }, 500);

  const ids: string[] = [];
  const keyOf = new Map<string, string>();
  let postRetries = 0;
  const wall0 = performance.now();
  const sim0 = time.clock.now().getTime();

  async function post(key: string, body: unknown, idem: string): Promise<string> {
    for (;;) {
      const res = await fetch(`${sys.url}/v1/deployments`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${key}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': idem,
        },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { deployment_id?: string; code?: string };
      if (res.status === 202 && json.deployment_id) return json.deployment_id;
      if (res.status >= 500 || json.code === 'CONFLICT' || json.code === 'RATE_LIMITED') {
        postRetries += 1; // a careful client retries with the same Idempotency-Key
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      throw new Error(`POST rejected: ${res.status} ${JSON.stringify(json)}`);
    }
  }

  async function one(n: number): Promise<void> {
    const key = keys[Math.floor(random() * keys.length)]!;
    const model = pick(random);
    const deleteAfterMs = random() < o.deleteShare ? random() * 400 : null;
    const id = await post(
      key,
      { hf_model_id: model, user_webhook_url: sys.receiver.url },
      `chaos-${o.seed}-${n}`,
    );
    ids.push(id);
    keyOf.set(id, key);
    if (deleteAfterMs !== null) {
      await new Promise((r) => setTimeout(r, deleteAfterMs));
      for (;;) {
        const res = await fetch(`${sys.url}/v1/deployments/${id}`, {
          method: 'DELETE',
          headers: { Authorization: `Bearer ${key}` },
        });
        if (res.status === 202) break;
        postRetries += 1;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    await sys.waitForDoc(
      id,
      (d) =>
        SETTLED_STATUSES.includes(d.status) && (deleteAfterMs === null || d.status === 'deleted'),
      120_000,
      'terminal',
    );
  }

  let next = 0;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next < o.deployments) {
        const n = next;
        next += 1;
        await one(n).catch(() => undefined);
      }
    }),
  );

  // Faults off; let in-flight retries, webhook schedules and teardowns finish, then one reaper cycle.
  plan.enabled = false;
  clearInterval(capacityTimer);
  sys.runpod.set({ capacity: {} });
  const docs = async (): Promise<Deployment[]> =>
    (await Promise.all(ids.map((id) => sys.system.store.get(id)))).filter(
      (d): d is Deployment => d !== null,
    );
  const settledWithWebhooks = async (): Promise<boolean> =>
    (await docs()).every(
      (d) =>
        SETTLED_STATUSES.includes(d.status) &&
        !(d.webhook?.deliveries.some((x) => x.status === 'pending') ?? false) &&
        (d.status !== 'failed' || d.runtime.resources_released),
    );
  for (let i = 0; i < 600 && !(await settledWithWebhooks()); i += 1)
    await new Promise((r) => setTimeout(r, 100));
  await sys.quiesce(30_000).catch(() => undefined);
  clearInterval(reaperTimer);
  await reaping; // a cycle still running must not sweep the orphans planted below before we count them

  // Orphans as crashed processes elsewhere would leave them: resources under our naming scheme with
  // no deployment behind them, on accounts the reaper holds a key for.
  const planter = createRunPodClient({
    apiBaseUrl: sys.runpod.url,
    endpointBaseUrl: sys.runpod.url,
    timeoutMs: 5000,
  });
  let orphansPlanted = 0;
  for (let i = 0; i < o.accounts; i += 1) {
    const key = keys[i]!;
    const name = `visgate-dpl_${Array.from({ length: 26 }, () => 'abcdefghijklmnopqrstuvwxyz234567'[Math.floor(random() * 32)]).join('')}`;
    const t = await planter.createTemplate(key, { name, image: 'orphan', diskGb: 20, env: {} });
    await planter.createEndpoint(key, {
      name,
      templateId: t.id,
      pools: ['AMPERE_16'],
      workersMin: 0,
      workersMax: 1,
      idleTimeoutS: 5,
      flashboot: false,
      dataCenterIds: null,
      executionTimeoutMs: 60_000,
      minCudaVersion: null,
    });
    orphansPlanted += 2;
  }

  const orphans = (): number => {
    let n = 0;
    for (const key of keys) {
      const account = sys.runpod.account(key);
      for (const e of account.endpoints) {
        const doc = ids.includes(e.name.replace('visgate-', ''))
          ? e.name.replace('visgate-', '')
          : null;
        const d = doc ? finalDocs.get(doc) : undefined;
        if (!d || !['ready', 'loading', 'paused'].includes(d.status) || d.endpoint_id !== e.id)
          n += 1;
      }
      for (const t of account.templates) {
        const id = t.name.replace('visgate-', '');
        const d = finalDocs.get(id);
        if (!d || !['ready', 'loading', 'paused'].includes(d.status) || d.template_id !== t.id)
          n += 1;
      }
    }
    return n;
  };
  let finalDocs = new Map((await docs()).map((d) => [d.deployment_id, d]));
  const orphansBeforeReaper = orphans();
  await sys.system.reap();
  await sys.quiesce(30_000).catch(() => undefined);
  finalDocs = new Map((await docs()).map((d) => [d.deployment_id, d]));
  const orphansAtEnd = orphans();

  const creates = new Map<string, number>();
  for (const r of sys.runpod.responses) {
    const name = (r.body as { name?: string } | undefined)?.name;
    if (r.method === 'POST' && r.route === '/v2/serverless' && r.status === 201 && name)
      creates.set(name, (creates.get(name) ?? 0) + 1);
  }
  const duplicateEndpoints = [...creates.values()].filter((n) => n > 1).length;

  const delivered = new Map<string, Set<string>>();
  for (const r of sys.receiver.received) {
    if (r.status >= 300) continue;
    const e = JSON.parse(r.body) as { type: string; data: { deployment_id: string } };
    const k = `${e.data.deployment_id} ${e.type}`;
    const set = delivered.get(k) ?? new Set<string>();
    set.add(String(r.headers['webhook-id']));
    delivered.set(k, set);
  }
  let expected = 0;
  let lost = 0;
  const byStatus: Record<string, number> = {};
  const byError: Record<string, number> = {};
  for (const d of finalDocs.values()) {
    byStatus[d.status] = (byStatus[d.status] ?? 0) + 1;
    if (d.error) {
      const k =
        d.error.code === 'UPSTREAM_UNAVAILABLE'
          ? `${d.error.code}@${d.error.step}: ${d.error.message.slice(0, 60)}`
          : d.error.code;
      byError[k] = (byError[k] ?? 0) + 1;
    }
    const happened = new Set(d.history.map((h) => h.to));
    for (const [status, type] of [
      ['ready', 'deployment.ready'],
      ['failed', 'deployment.failed'],
      ['deleted', 'deployment.deleted'],
    ] as const) {
      if (!happened.has(status)) continue;
      expected += 1;
      if (!delivered.has(`${d.deployment_id} ${type}`)) lost += 1;
    }
  }
  const multiIds = [...delivered.values()].filter((s) => s.size > 1).length;
  const report: ChaosReport = {
    options: o,
    wallS: (performance.now() - wall0) / 1000,
    simulatedS: (time.clock.now().getTime() - sim0) / 1000,
    outboundCalls: plan.calls,
    faults: plan.injected,
    faultShare: Object.values(plan.injected).reduce((a, b) => a + b, 0) / Math.max(1, plan.calls),
    busAndTasksDuplicated: true,
    deployments: ids.length,
    terminal: [...finalDocs.values()].filter((d) => SETTLED_STATUSES.includes(d.status)).length,
    byStatus,
    byError,
    duplicateEndpoints,
    orphansPlanted,
    orphansBeforeReaper,
    orphansAtEnd,
    webhooksExpected: expected,
    webhooksLost: lost,
    webhooksMultipleIds: multiIds,
    webhookAttemptsReceived: sys.receiver.received.length,
    postRetries,
  };
  await sys.close();
  return report;
}
