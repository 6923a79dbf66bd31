import {
  DEPLOYMENT_ID_PATTERN,
  isAppError,
  transition,
  type Deployment,
  type DeploymentStatus,
} from '@visgate/shared';
import type { DeploymentScanner, RunPodApi, Topic } from '../../ports';
import type { Deps } from '../../deps';
import { failDeployment } from '../lifecycle';
import { enqueuePoll } from '../poll/enqueue-poll';

export type ReaperDeps = Pick<
  Deps,
  'config' | 'store' | 'secrets' | 'runpod' | 'bus' | 'tasks' | 'clock' | 'log'
> & { scanner: DeploymentScanner };

export interface ReapReport {
  nudged: number;
  failed: number;
  deletedTtl: number;
  deletedBudget: number;
  orphanEndpoints: number;
  orphanTemplates: number;
  purged: number;
}

const STEP_TOPIC: Partial<Record<DeploymentStatus, Topic>> = {
  queued: 'deployment-validate',
  validating: 'deployment-validate',
  selecting_gpu: 'deployment-select-gpu',
  provisioning: 'deployment-provision',
  deleting: 'deployment-teardown',
  failed: 'deployment-teardown',
};

const PREFIX = 'visgate-';
const BATCH = 500;

/** The deployment id a RunPod resource name points at, or null when it is not one of ours. */
export function deploymentIdOf(name: string): string | null {
  const id = name.startsWith(PREFIX) ? name.slice(PREFIX.length) : '';
  return DEPLOYMENT_ID_PATTERN.test(id) ? id : null;
}

/**
 * The reaper (Cloud Scheduler, every REAPER_INTERVAL_S): nothing we created may keep billing by
 * accident. One cycle (1) re-publishes the message of a step stuck past STEP_DEADLINE_S and fails it
 * after a second deadline, (2) deletes deployments past their `ttl_s` or `budget_usd` (spend is
 * accounted from the worker list × the pool's price), (3) sweeps every account we hold a key for
 * and deletes `visgate-<id>` endpoints and templates with no live deployment behind them, and
 * (4) purges secrets of deployments closed longer than SECRET_RETENTION_S.
 */
export function createReaper(deps: ReaperDeps) {
  return async function reap(): Promise<ReapReport> {
    const report: ReapReport = {
      nudged: 0,
      failed: 0,
      deletedTtl: 0,
      deletedBudget: 0,
      orphanEndpoints: 0,
      orphanTemplates: 0,
      purged: 0,
    };
    const now = deps.clock.now();
    const age = (iso: string | null): number =>
      iso === null ? 0 : (now.getTime() - Date.parse(iso)) / 1000;
    const deadline = deps.config.STEP_DEADLINE_S;

    const inFlight = await deps.scanner.scan({
      statuses: ['queued', 'validating', 'selecting_gpu', 'provisioning', 'loading', 'deleting'],
      limit: BATCH,
    });
    for (const doc of inFlight) await unstick(doc);

    const live = await deps.scanner.scan({
      statuses: ['loading', 'ready', 'paused'],
      limit: BATCH,
    });
    for (const doc of live) await guardCost(doc);

    const closed = await deps.scanner.scan({ statuses: ['failed', 'deleted'], limit: BATCH });
    const keys = new Map<string, string>();
    for (const doc of [...inFlight, ...live, ...closed]) {
      if (doc.runtime.secrets_purged) continue;
      const key = (await deps.secrets.get(doc.deployment_id))?.runpodApiKey;
      if (key) keys.set(doc.owner_hash, key);
    }
    // Templates our live deployments recorded. RunPod's v2 `Endpoint` has no `templateId` (the
    // template is copied in at creation), so which template an endpoint came from is known only
    // from our own documents.
    const recordedTemplates = new Set(
      [...inFlight, ...live].flatMap((d) => (d.template_id ? [d.template_id] : [])),
    );
    for (const key of keys.values()) await sweep(key, recordedTemplates);

    for (const doc of closed) {
      if (
        doc.status === 'failed' &&
        !doc.runtime.resources_released &&
        age(doc.updated_at) > deadline
      ) {
        await deps.bus.publish('deployment-teardown', { deployment_id: doc.deployment_id });
        report.nudged += 1;
        continue;
      }
      if (doc.runtime.secrets_purged || age(doc.updated_at) < deps.config.SECRET_RETENTION_S)
        continue;
      if (doc.webhook?.deliveries.some((d) => d.status === 'pending')) continue;
      if (doc.status === 'failed' && !doc.runtime.resources_released) continue;
      await deps.secrets.delete(doc.deployment_id);
      await deps.store.mutate(doc.deployment_id, (d) => ({
        ...d,
        runtime: { ...d.runtime, secrets_purged: true },
      }));
      report.purged += 1;
    }
    if (Object.values(report).some((n) => n > 0)) deps.log.info('reaper cycle', { ...report });
    return report;

    async function unstick(doc: Deployment): Promise<void> {
      const id = doc.deployment_id;
      if (doc.status === 'loading') {
        const loadLimit = deps.config.LOAD_TIMEOUT_S + deadline;
        if (age(doc.runtime.loading_started_at) > loadLimit) {
          if (
            await failDeployment(deps, id, ['loading'], {
              code: 'LOAD_TIMEOUT',
              message: `not ready ${Math.round(loadLimit)} s after the endpoint was created`,
              step: 'poll',
            })
          )
            report.failed += 1;
        } else if (age(doc.updated_at) > (deps.config.POLL_MAX_INTERVAL_MS / 1000) * 4) {
          await enqueuePoll(deps, id, doc.runtime.poll_attempt + 1); // the poll chain was lost
          report.nudged += 1;
        }
        return;
      }
      if (age(doc.updated_at) < deadline) return;
      const topic = STEP_TOPIC[doc.status];
      if (
        doc.status !== 'deleting' &&
        doc.runtime.nudged_at !== null &&
        age(doc.runtime.nudged_at) >= deadline
      ) {
        const failed = await failDeployment(deps, id, [doc.status], {
          code: 'UPSTREAM_UNAVAILABLE',
          message: `stuck in ${doc.status} for ${Math.round(age(doc.updated_at))} s; gave up`,
          step:
            doc.status === 'provisioning'
              ? 'provision'
              : doc.status === 'selecting_gpu'
                ? 'select_gpu'
                : 'validate',
        });
        if (failed) report.failed += 1;
        return;
      }
      if (topic) {
        await deps.bus.publish(topic, { deployment_id: id });
        await deps.store.mutate(id, (d) =>
          d.status === doc.status
            ? { ...d, runtime: { ...d.runtime, nudged_at: now.toISOString() } }
            : null,
        );
        report.nudged += 1;
      }
    }

    async function guardCost(doc: Deployment): Promise<void> {
      const id = doc.deployment_id;
      const key = (await deps.secrets.get(id))?.runpodApiKey;
      if (!key || !doc.endpoint_id || !doc.gpu) return;
      let spent = doc.cost.spent_usd;
      try {
        const workers = await deps.runpod.listWorkers(key, doc.endpoint_id);
        const since = doc.runtime.cost_checked_at ?? doc.timings.provisioned_at;
        const window = since === null ? 0 : Math.max(0, age(since));
        const billable = workers.filter(
          (w) => w.status === 'RUNNING' || w.status === 'IDLE' || w.status === 'INITIALIZING',
        );
        const seconds = billable.reduce(
          (n, w) => n + Math.min(window, w.startedAt ? age(w.startedAt) : window),
          0,
        );
        spent += (seconds * doc.gpu.price_per_hour_usd) / 3600;
      } catch (e) {
        if (!isAppError(e)) throw e;
        deps.log.warn('cost check failed', { deployment_id: id, code: e.code });
        return;
      }
      const s = doc.settings;
      const ttlOver = s.ttl_s !== null && age(doc.created_at) > s.ttl_s;
      const budgetOver = s.budget_usd !== null && spent >= s.budget_usd;
      const reason = ttlOver
        ? `ttl of ${s.ttl_s} s reached`
        : budgetOver
          ? `budget of $${s.budget_usd} reached`
          : null;
      const written = await deps.store.mutate(id, (d) => {
        if (d.status !== doc.status) return null;
        const base = {
          ...d,
          cost: { ...d.cost, spent_usd: Math.round(spent * 1e6) / 1e6 },
          runtime: { ...d.runtime, cost_checked_at: now.toISOString() },
        };
        return reason ? transition(base, 'deleting', now, reason) : base;
      });
      if (written && reason) {
        if (ttlOver) report.deletedTtl += 1;
        else report.deletedBudget += 1;
        await deps.bus.publish('deployment-teardown', { deployment_id: id });
      }
    }

    async function sweep(key: string, keep: ReadonlySet<string>): Promise<void> {
      let endpoints;
      let templates;
      try {
        [endpoints, templates] = await Promise.all([
          deps.runpod.listEndpoints(key),
          deps.runpod.listTemplates(key),
        ]);
      } catch (e) {
        if (isAppError(e)) return; // a revoked key or an outage: the next cycle tries again
        throw e;
      }
      for (const e of endpoints) {
        if ((await verdictFor(e.name, e.id, 'endpoint')) === 'keep') continue;
        await removeEndpoint(deps.runpod, key, e.id);
        report.orphanEndpoints += 1;
      }
      for (const t of templates) {
        if (keep.has(t.id)) continue;
        if ((await verdictFor(t.name, t.id, 'template')) === 'keep') continue;
        try {
          await deps.runpod.deleteTemplate(key, t.id);
          report.orphanTemplates += 1;
        } catch (e) {
          if (!isAppError(e)) throw e;
        }
      }
    }

    async function verdictFor(
      name: string,
      resourceId: string,
      kind: 'endpoint' | 'template',
    ): Promise<'keep' | 'delete'> {
      const id = deploymentIdOf(name);
      if (id === null) return 'keep'; // not ours
      const doc = await deps.store.get(id);
      if (!doc) return 'delete';
      switch (doc.status) {
        case 'queued':
        case 'validating':
        case 'selecting_gpu':
        case 'provisioning':
          return 'keep'; // provision may be creating it right now; its lease covers it
        case 'loading':
        case 'ready': {
          const recorded = kind === 'endpoint' ? doc.endpoint_id : doc.template_id;
          return recorded === resourceId ? 'keep' : 'delete'; // a duplicate from a crashed attempt
        }
        case 'deleting':
          return 'keep'; // teardown is on it
        case 'paused': {
          const recorded = kind === 'endpoint' ? doc.endpoint_id : doc.template_id;
          return recorded === resourceId ? 'keep' : 'delete';
        }
        case 'failed':
        case 'deleted':
          return 'delete';
      }
    }
  };
}

async function removeEndpoint(runpod: RunPodApi, key: string, id: string): Promise<void> {
  try {
    await runpod.updateEndpoint(key, id, { workersMin: 0, workersMax: 0 });
    await runpod.deleteEndpoint(key, id);
  } catch (e) {
    if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
  }
}
