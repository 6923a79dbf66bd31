import type { SimWorld, EndpointState, WorkerState } from './sim-world';
import { workerEnv } from './sim-world';
import { MODEL_REFERENCE } from './sim-types';
import { startRealWorker, usesRealWorker } from './real-worker';

/**
 * Plays our worker on a placed (INITIALIZING) sim worker: init, download with progress events,
 * load, then `ready` and IDLE; or a crash loop; or `failed` and UNHEALTHY. Events go to
 * `VISGATE_EVENTS_URL` with `Bearer VISGATE_EVENTS_TOKEN`, in order, each retried a few times; a
 * callback that keeps failing never stops the worker, as with the real one.
 */
export function startWorker(
  world: SimWorld,
  endpoint: EndpointState,
  worker: WorkerState,
  onIdle: () => void,
): void {
  const env = workerEnv(endpoint);
  const o = world.options;
  const w = worker.rec;
  w.idleSince = null;
  // RunPod delays the worker until the referenced models are on its host: it waits unbilled,
  // listed as INITIALIZING (docs serverless/workers/overview.mdx; see `cacheFillMs`).
  const fillLeftMs = (endpoint.rec.modelCacheReadyAtMs ?? 0) - Date.now();
  if (fillLeftMs > 0) {
    w.status = 'INITIALIZING';
    w.startedAt = null;
    world.changed();
    worker.scope.after(fillLeftMs, () => {
      startWorker(world, endpoint, worker, onIdle);
    });
    return;
  }
  w.status = 'INITIALIZING';
  w.startedAt = new Date().toISOString();
  world.changed();

  if (usesRealWorker(world, env)) {
    startRealWorker(world, endpoint, worker, env, {
      onIdle: () => {
        w.status = 'IDLE';
        w.idleSince = Date.now();
        world.changed();
        onIdle();
      },
      // The container exited: RunPod marks the worker unhealthy and restarts it (docs
      // serverless/workers/overview.mdx "auto-retries"). A job it was running fails when its
      // /runsync connection drops (real-worker.ts runRealJob).
      onExit: () => {
        w.status = 'UNHEALTHY';
        w.idleSince = null;
        world.changed();
        worker.scope.after(o.restartMs, () => {
          w.restarts += 1;
          startWorker(world, endpoint, worker, onIdle);
        });
      },
    });
    return;
  }

  const modelId = env.VISGATE_MODEL_ID ?? '';
  if (o.crashLoop || (modelId !== '' && o.crashLoopModels.includes(modelId))) {
    worker.scope.after(o.initMs, () => {
      w.status = 'UNHEALTHY';
      w.restarts += 1;
      world.changed();
      worker.scope.after(o.restartMs, () => {
        startWorker(world, endpoint, worker, onIdle);
      });
    });
    return;
  }

  const totalBytes = Number(env.VISGATE_MODEL_BYTES ?? 2e9) || 2e9;
  // A cached model (GraphQL modelReferences) is on the host before the worker starts, at RunPod's
  // cache path: our worker finds it there, loads without downloading, and says so.
  const cached = endpoint.rec.modelReferences.some((r) => {
    const m = MODEL_REFERENCE.exec(r);
    return m?.[1] === modelId && (m[2] === undefined || m[2] === env.VISGATE_MODEL_REVISION);
  });
  const base = { worker_id: w.id, source: cached ? 'runpod_cache' : 'huggingface' };
  const emit = (type: string, fields: Record<string, unknown>) => {
    postEvent(world, worker, env, { type, at: new Date().toISOString(), ...base, ...fields });
  };
  const progress = (share: number) => {
    emit('downloading', {
      bytes_done: Math.round(totalBytes * share),
      bytes_total: totalBytes,
      throughput_bytes_per_s:
        o.downloadMs > 0 ? Math.round(totalBytes / (o.downloadMs / 1000)) : null,
    });
  };

  const load = (fetchMs: number) => {
    emit('loading', { bytes_done: totalBytes, bytes_total: totalBytes });
    worker.scope.after(o.loadMs, () => {
      const failure = world.options.failLoad;
      if (failure) {
        // The worker exits; RunPod marks it unhealthy and restarts the container (docs
        // serverless/development/fitness-checks.mdx, workers/overview.mdx "auto-retries").
        emit('failed', { error: { code: failure.code, message: failure.message } });
        w.status = 'UNHEALTHY';
        world.changed();
        worker.scope.after(o.restartMs, () => {
          w.restarts += 1;
          startWorker(world, endpoint, worker, onIdle);
        });
        return;
      }
      emit('ready', {
        timings: { fetch_s: fetchMs / 1000, load_s: o.loadMs / 1000, warmup_s: 0.01 },
        peak_vram_bytes: Math.round(totalBytes * 1.25),
      });
      w.status = 'IDLE';
      w.idleSince = Date.now();
      world.changed();
      onIdle();
    });
  };

  if (cached) {
    worker.scope.after(o.initMs, () => {
      load(0);
    });
    return;
  }
  worker.scope.after(o.initMs, () => {
    progress(0);
    const steps = Math.max(1, o.downloadSteps);
    for (let i = 1; i < steps; i += 1) {
      worker.scope.after((o.downloadMs * i) / steps, () => {
        progress(i / steps);
      });
    }
    worker.scope.after(o.downloadMs, () => {
      progress(1);
      load(o.downloadMs);
    });
  });
}

/** Queues one event POST behind the worker's earlier ones; no-op without an events URL. */
function postEvent(
  world: SimWorld,
  worker: WorkerState,
  env: Record<string, string>,
  event: Record<string, unknown> & { type: string },
): void {
  const url = env.VISGATE_EVENTS_URL;
  if (!url) return;
  const token = env.VISGATE_EVENTS_TOKEN ?? '';
  worker.chain = worker.chain.then(() => deliver(world, worker, url, token, event));
}

async function deliver(
  world: SimWorld,
  worker: WorkerState,
  url: string,
  token: string,
  event: Record<string, unknown> & { type: string },
): Promise<void> {
  const body = JSON.stringify(event);
  let backoffMs = world.options.callbackBackoffMs;
  for (let attempt = 0; attempt <= world.options.callbackRetries; attempt++) {
    if (worker.removed) return;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
        signal: AbortSignal.any([worker.abort.signal, AbortSignal.timeout(5_000)]),
      });
      await res.arrayBuffer();
      if (res.ok) {
        worker.rec.delivered.push(event.type);
        world.changed();
        return;
      }
    } catch {
      // Network error or abort: retried below, like the real worker; never fatal.
    }
    await worker.scope.wait(backoffMs);
    backoffMs *= 2;
  }
}
