import { hubFileSource } from '../adapters/s3/hub-files';
import { s3ObjectStores } from '../adapters/s3/s3-store';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import type { Config } from '../config';
import { createHubClient } from '../adapters/hf/hub-client';
import { createRunPodClient } from '../adapters/runpod/runpod-client';
import { createHttpWebhookSender } from '../adapters/webhook/http-webhook-sender';
import type { Deps } from '../deps';
import { createGpuCatalogSource } from '../steps/select-gpu/gpu-catalog-source';
import type { Clock, Logger } from '../ports';

export type OutboundOverrides = Partial<Pick<Deps, 'runpod' | 'hub' | 'webhooks'>>;

/**
 * What both composition roots (local and GCP) wire the same way: the HTTP clients for RunPod, the
 * Hub and webhook receivers, the cached GPU catalog, DNS and randomness. Tests swap in wrapped
 * clients through `overrides`.
 */
export function outboundDeps(
  config: Config,
  clock: Clock,
  log: Logger,
  overrides: OutboundOverrides = {},
): Pick<
  Deps,
  | 'runpod'
  | 'hub'
  | 'webhooks'
  | 'catalog'
  | 'resolveHost'
  | 'random'
  | 'objectStores'
  | 'modelFiles'
> {
  const runpod =
    overrides.runpod ??
    createRunPodClient({
      apiBaseUrl: config.RUNPOD_API_URL,
      endpointBaseUrl: config.RUNPOD_ENDPOINT_URL,
      timeoutMs: config.HTTP_TIMEOUT_MS,
      log,
    });
  return {
    runpod,
    hub:
      overrides.hub ??
      createHubClient({ hubUrl: config.HF_HUB_URL, timeoutMs: config.HTTP_TIMEOUT_MS }),
    webhooks:
      overrides.webhooks ??
      createHttpWebhookSender({ allowPrivateHosts: config.WEBHOOK_ALLOW_PRIVATE_HOSTS }),
    catalog: createGpuCatalogSource({ runpod, clock, log, ttlMs: config.CATALOG_TTL_S * 1000 }),
    resolveHost: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    random: (n) => new Uint8Array(randomBytes(n)),
    objectStores: s3ObjectStores({ allowPrivateHosts: config.WEBHOOK_ALLOW_PRIVATE_HOSTS }),
    modelFiles: (token) => hubFileSource({ hubUrl: config.HF_HUB_URL, token }),
  };
}
