import { runpodResourceName, type Deployment } from '@visgate/shared';
import type { RunPodEndpointSpec, RunPodTemplateSpec } from '../../ports';
import { workerDiskGb, workerEnv } from './worker-env';

/**
 * Where a deployment's worker reaches us, with its events token: `worker-events` (it posts its
 * progress and readiness) and `worker-manifest` (it gets a fresh presigned cache manifest).
 */
export function workerUrl(
  publicBaseUrl: string,
  route: 'worker-events' | 'worker-manifest',
  id: string,
): string {
  return `${publicBaseUrl.replace(/\/$/, '')}/internal/${route}/${id}`;
}

/** Candidates not yet refused, in order, at most three (RunPod's limit). */
export function nextPools(candidates: readonly string[], refused: readonly string[]): string[] {
  return candidates.filter((p) => !refused.includes(p)).slice(0, 3);
}

/** What the endpoint needs from the operator's configuration. */
export interface EndpointSettings {
  executionTimeoutS: number;
  /** The worker image's CUDA build; empty sets no floor. */
  minCudaVersion: string;
}

/**
 * The endpoint as the deployment asks for it. It starts at least one worker so the model loads
 * now ("ready" means weights in VRAM); the settle step restores the user's minimum afterwards.
 */
export function endpointSpec(
  doc: Deployment,
  settings: EndpointSettings,
  templateId: string,
  pools: string[],
): RunPodEndpointSpec {
  return {
    name: runpodResourceName(doc.deployment_id),
    templateId,
    pools,
    workersMin: Math.max(1, doc.settings.workers_min),
    workersMax: Math.max(1, doc.settings.workers_max),
    idleTimeoutS: doc.settings.idle_timeout_s,
    flashboot: doc.settings.flashboot,
    dataCenterIds: doc.settings.data_centers,
    executionTimeoutMs: settings.executionTimeoutS * 1000,
    minCudaVersion: settings.minCudaVersion || null,
  };
}

/** The per-deployment template: our worker image, a disk that fits the weights, the worker env. */
export function templateSpec(
  doc: Deployment,
  opts: {
    image: string;
    minDiskGb: number;
    publicBaseUrl: string;
    eventsToken: string;
    hfToken: string | null;
    cacheSources: readonly Record<string, unknown>[];
    allowPrivateUrls?: boolean;
  },
): RunPodTemplateSpec {
  return {
    name: runpodResourceName(doc.deployment_id),
    image: opts.image,
    diskGb: workerDiskGb(doc, opts.minDiskGb),
    env: workerEnv(doc, {
      eventsUrl: workerUrl(opts.publicBaseUrl, 'worker-events', doc.deployment_id),
      eventsToken: opts.eventsToken,
      hfToken: opts.hfToken,
      cacheSources: opts.cacheSources,
      allowPrivateUrls: opts.allowPrivateUrls ?? false,
    }),
  };
}
