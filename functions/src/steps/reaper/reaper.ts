import { IN_FLIGHT_STATUSES, type DeploymentStatus } from '@visgate/shared';
import type { DeploymentScanner } from '../../ports';
import type { Deps } from '../../deps';
import { recordedTemplates } from './decide-orphans';
import { guardCost } from './guard-cost';
import { purgeSecrets } from './purge-secrets';
import { accountKeys, sweepAccount } from './sweep-orphans';
import { unstick } from './unstick';

export { deploymentIdOf } from './decide-orphans';

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

/** Deployments that may hold billing workers. */
const LIVE: readonly DeploymentStatus[] = ['loading', 'ready', 'paused'];
const CLOSED: readonly DeploymentStatus[] = ['failed', 'deleted'];
/** Deployments looked at per status group and cycle; the oldest first, so none starves. */
const BATCH = 500;

/**
 * The reaper (Cloud Scheduler, every REAPER_INTERVAL_S): nothing we created may keep billing by
 * accident. One cycle (1) re-publishes the message of a step stuck past STEP_DEADLINE_S and fails it
 * after a second deadline, (2) deletes deployments past their `ttl_s` or `budget_usd` (spend is
 * accounted from the worker list × the pool's price), (3) sweeps every account we hold a key for
 * and deletes `visgate-<id>` endpoints and templates with no live deployment behind them, and
 * (4) purges secrets of deployments closed longer than SECRET_RETENTION_S. Each piece decides in a
 * pure function and guards its own writes, so two overlapping cycles are harmless without a lease.
 */
export function createReaper(deps: ReaperDeps) {
  const scan = (statuses: readonly DeploymentStatus[]) =>
    deps.scanner.scan({ statuses, limit: BATCH });

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
    const count = (field: keyof ReapReport | null): void => {
      if (field) report[field] += 1;
    };
    const now = deps.clock.now();

    const inFlight = await scan(IN_FLIGHT_STATUSES);
    for (const doc of inFlight) count(await unstick(deps, doc, now));

    const live = await scan(LIVE);
    for (const doc of live) count(await guardCost(deps, doc, now));

    const closed = await scan(CLOSED);
    const recorded = recordedTemplates([...inFlight, ...live]);
    for (const key of await accountKeys(deps, [...inFlight, ...live, ...closed])) {
      const swept = await sweepAccount(deps, key, recorded);
      report.orphanEndpoints += swept.endpoints;
      report.orphanTemplates += swept.templates;
    }

    for (const doc of closed) count(await purgeSecrets(deps, doc, now));

    if (Object.values(report).some((n) => n > 0)) deps.log.info('reaper cycle', { ...report });
    return report;
  };
}
