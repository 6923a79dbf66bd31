import { timingSafeEqual } from 'node:crypto';
import { AppError, WorkerEventSchema, scrubSecrets, type WorkerEvent } from '@visgate/shared';
import type { DeploymentSecrets } from '../ports';
import type { Deps } from '../deps';
import { failDeployment, markReady } from '../steps/lifecycle';

export type WorkerEventsDeps = Pick<Deps, 'store' | 'secrets' | 'bus' | 'tasks' | 'clock' | 'log'>;

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A worker's call for deployment `id`: its bearer token must be the deployment's events token. A
 * wrong token and an unknown id are the same 404, so ids cannot be probed.
 */
export async function authorizeWorker(
  secrets: Deps['secrets'],
  id: string,
  token: string | null,
): Promise<DeploymentSecrets> {
  const s = token ? await secrets.get(id) : null;
  if (!token || !s?.eventsToken || !sameToken(s.eventsToken, token)) {
    throw new AppError('NOT_FOUND', 'no such deployment');
  }
  return s;
}

/**
 * workerEvents: the worker reports download progress, loading, readiness (with timings and measured
 * peak VRAM) or a load failure. The per-deployment token is checked first; a wrong token or an
 * unknown id are the same 404 so ids cannot be probed. Late events for a settled deployment are
 * accepted and ignored.
 */
export function createWorkerEvents(deps: WorkerEventsDeps) {
  return async function workerEvent(
    id: string,
    token: string | null,
    body: unknown,
  ): Promise<void> {
    await authorizeWorker(deps.secrets, id, token);
    const parsed = WorkerEventSchema.safeParse(body);
    if (!parsed.success) throw new AppError('VALIDATION_FAILED', 'not a worker event');
    const event: WorkerEvent = parsed.data;
    const at = deps.clock.now();
    switch (event.type) {
      case 'downloading':
      case 'loading':
      case 'warming_up': {
        const stageName = event.type;
        await deps.store.mutate(id, (d) => {
          if (d.status !== 'loading') return null;
          return {
            ...d,
            updated_at: at.toISOString(),
            timings: {
              ...d.timings,
              fetch_s: event.timings?.fetch_s ?? d.timings.fetch_s,
              load_s: event.timings?.load_s ?? d.timings.load_s,
            },
            progress: {
              stage: stageName,
              bytes_done: event.bytes_done ?? d.progress.bytes_done,
              bytes_total: event.bytes_total ?? d.progress.bytes_total,
              throughput_bytes_per_s:
                event.throughput_bytes_per_s ?? d.progress.throughput_bytes_per_s,
              source: event.source ?? d.progress.source,
              worker_id: event.worker_id ?? d.progress.worker_id,
              updated_at: at.toISOString(),
            },
          };
        });
        return;
      }
      case 'ready':
        await markReady(deps, id, {
          source: event.source ?? null,
          workerId: event.worker_id ?? null,
          fetchS: event.timings?.fetch_s ?? null,
          loadS: event.timings?.load_s ?? null,
          warmupS: event.timings?.warmup_s ?? null,
          peakVramBytes: event.peak_vram_bytes ?? null,
        });
        return;
      case 'failed': {
        const reason = event.error
          ? `${event.error.code}: ${scrubSecrets(event.error.message)}`
          : 'no reason given';
        await failDeployment(deps, id, ['loading'], {
          code: 'WORKER_FAILED',
          message: `the worker could not load the model (${reason.slice(0, 500)})`,
          step: 'worker',
        });
        return;
      }
    }
  };
}
