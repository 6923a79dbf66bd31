import { buildCatalog, type GpuPool } from '@visgate/shared';
import type { Clock, Logger, RunPodApi } from '../../ports';

/** The GPU catalog as the user's account sees it (live prices and stock), cached briefly. */
export interface GpuCatalogSource {
  /** Never throws: falls back to the static catalog (availability unknown) when RunPod is unreachable. */
  pools(apiKey: string | null): Promise<{ pools: GpuPool[]; live: boolean }>;
}

export function createGpuCatalogSource(deps: {
  runpod: RunPodApi;
  clock: Clock;
  log: Logger;
  ttlMs: number;
}): GpuCatalogSource {
  // Stock and list prices are the same for every account, so one cache entry serves all users.
  let cached: { pools: GpuPool[]; atMs: number } | null = null;
  return {
    async pools(apiKey) {
      const nowMs = deps.clock.now().getTime();
      if (cached && nowMs - cached.atMs < deps.ttlMs) return { pools: cached.pools, live: true };
      if (apiKey === null) return { pools: buildCatalog(null), live: false };
      try {
        const live = await deps.runpod.listGpuTypes(apiKey);
        cached = { pools: buildCatalog(live), atMs: nowMs };
        return { pools: cached.pools, live: true };
      } catch (e) {
        deps.log.warn('live GPU catalog unavailable; using static defaults', {
          error: e instanceof Error ? e.message : String(e),
        });
        return { pools: buildCatalog(null), live: false };
      }
    },
  };
}
