import type { Deps } from '../../deps';
import { updateEndpointKeepingCache } from '../provision/runpod-model-cache';

export type SettleDeps = Pick<Deps, 'store' | 'secrets' | 'runpod' | 'clock' | 'log'>;

/**
 * After ready: gives the endpoint the user's own minimum workers (provision started one worker so
 * the model would load), so an idle endpoint with `workers_min: 0` scales to zero and stops billing.
 */
export function createSettle(deps: SettleDeps) {
  return async function settle(payload: Record<string, unknown>): Promise<void> {
    const id = String(payload.deployment_id);
    const doc = await deps.store.get(id);
    if (doc?.status !== 'ready' || !doc.endpoint_id || doc.runtime.settled) return;
    const apiKey = (await deps.secrets.get(id))?.runpodApiKey;
    if (!apiKey) return;
    if (doc.settings.workers_min < 1) {
      await updateEndpointKeepingCache(deps, apiKey, doc, {
        workersMin: doc.settings.workers_min,
        workersMax: doc.settings.workers_max,
        idleTimeoutS: doc.settings.idle_timeout_s,
      });
    }
    await deps.store.mutate(id, (d) =>
      d.status === 'ready'
        ? {
            ...d,
            runtime: { ...d.runtime, settled: true },
            updated_at: deps.clock.now().toISOString(),
          }
        : null,
    );
    deps.log.info('endpoint settled to user scaling', {
      deployment_id: id,
      workers_min: doc.settings.workers_min,
    });
  };
}
