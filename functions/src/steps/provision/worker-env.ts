import type { Deployment } from '@visgate/shared';

/**
 * The template environment our worker reads (API.md "Worker contract"). Holds the per-deployment
 * events token and, only for gated or private models or adapters, the user's own HF token — never the RunPod key
 * or a platform secret.
 */
export function workerEnv(
  doc: Deployment,
  opts: {
    eventsUrl: string;
    eventsToken: string;
    hfToken: string | null;
    /** Sources tried before the Hub, e.g. an `s3` cache manifest (presigned URLs only). */
    cacheSources?: readonly Record<string, unknown>[];
    /**
     * Local mode only (WEBHOOK_ALLOW_PRIVATE_HOSTS): a job's image and adapter URLs may name loopback
     * or private hosts, as this deployment's webhooks may.
     */
    allowPrivateUrls?: boolean;
  },
): Record<string, string> {
  const weightsBytes = doc.estimate?.components.reduce((n, c) => n + c.bytes, 0) ?? 0;
  const needsToken = doc.model !== null && (doc.model.gated !== false || doc.model.private);
  const env: Record<string, string> = {
    VISGATE_DEPLOYMENT_ID: doc.deployment_id,
    VISGATE_MODEL_ID: doc.hf_model_id,
    VISGATE_MODEL_REVISION: doc.revision_sha ?? doc.revision,
    VISGATE_PIPELINE: doc.pipeline ?? '',
    // Set by validate before provisioning; the fallback only keeps the type honest.
    VISGATE_TASK: doc.task ?? 'text-to-image',
    VISGATE_VRAM_ESTIMATE_BYTES: String(doc.estimate?.vram_bytes ?? 0),
    VISGATE_MODEL_BYTES: String(weightsBytes),
    VISGATE_EVENTS_URL: opts.eventsUrl,
    VISGATE_EVENTS_TOKEN: opts.eventsToken,
    VISGATE_MODEL_SOURCES: JSON.stringify([
      ...(opts.cacheSources ?? []),
      { type: 'huggingface', repo: doc.hf_model_id, revision: doc.revision_sha ?? doc.revision },
    ]),
  };
  if (opts.allowPrivateUrls) env.VISGATE_ALLOW_PRIVATE_URLS = '1';
  if (doc.loras.length > 0) env.VISGATE_LORAS = JSON.stringify(workerLoras(doc));
  const lorasNeedToken = doc.loras.some((l) => l.needs_token);
  if ((needsToken || lorasNeedToken) && opts.hfToken) env.HF_TOKEN = opts.hfToken;
  return env;
}

/**
 * `VISGATE_LORAS`: the deploy-time adapters as the worker loads them before it reports ready,
 * in request order (`lora_<i>` is the adapter name, and a job's `lora_scale` list follows it),
 * pinned to the commit validate resolved.
 */
export function workerLoras(doc: Deployment): {
  name: string;
  repo: string;
  revision: string;
  file: string;
  scale: number;
  bytes: number;
}[] {
  return doc.loras.map((l, i) => ({
    name: `lora_${i}`,
    repo: l.hf_repo,
    revision: l.revision_sha ?? l.revision,
    file: l.file ?? l.weight_name ?? '',
    scale: l.scale,
    bytes: l.bytes ?? 0,
  }));
}

/**
 * Container disk for the model files and deploy-time adapters plus image and scratch, never below
 * the configured floor.
 */
export function workerDiskGb(doc: Deployment, minGb: number): number {
  const loraBytes = doc.loras.reduce((n, l) => n + (l.bytes ?? 0), 0);
  const filesGb = ((doc.model?.total_file_bytes ?? 0) + loraBytes) / 1e9;
  return Math.max(minGb, Math.ceil(filesGb * 1.2 + 10));
}
