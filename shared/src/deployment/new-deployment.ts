import type { NormalizedDeploymentRequest } from '../schemas/create-deployment';
import type { Deployment } from '../schemas/deployment';

/** The first version of a deployment document: queued, nothing known yet but the request. Pure. */
export function newDeployment(
  id: string,
  owner: string,
  req: NormalizedDeploymentRequest,
  at: Date,
): Deployment {
  const iso = at.toISOString();
  return {
    deployment_id: id,
    owner_hash: owner,
    status: 'queued',
    hf_model_id: req.hfModelId,
    revision: req.revision,
    revision_sha: null,
    task: req.task,
    loras: req.loras.map((l) => ({
      ...l,
      revision_sha: null,
      file: null,
      bytes: null,
      base_family: null,
      needs_token: false,
    })),
    pipeline: null,
    model: null,
    estimate: null,
    gpu: null,
    endpoint_id: null,
    template_id: null,
    endpoint_url: null,
    settings: req.settings,
    progress: {
      stage: 'queued',
      bytes_done: null,
      bytes_total: null,
      throughput_bytes_per_s: null,
      source: null,
      worker_id: null,
      updated_at: iso,
    },
    workers: null,
    timings: {
      validated_at: null,
      gpu_selected_at: null,
      provisioned_at: null,
      ready_at: null,
      seconds_to_ready: null,
      fetch_s: null,
      load_s: null,
      warmup_s: null,
    },
    peak_vram_bytes: null,
    cost: { price_per_hour_usd: null, spent_usd: 0 },
    error: null,
    webhook:
      req.webhookUrlHost === null
        ? null
        : {
            url_host: req.webhookUrlHost,
            events: req.settings.webhook_events,
            disabled: false,
            deliveries: [],
          },
    history: [{ from: null, to: 'queued', at: iso, reason: 'created' }],
    runtime: {
      poll_attempt: 0,
      loading_started_at: null,
      throttled_since: null,
      idle_seen_at: null,
      unhealthy_polls: 0,
      probe_job_id: null,
      provision_lease_until: null,
      provision_attempts: 0,
      worker_ready_at: null,
      settled: false,
      resources_released: false,
      nudged_at: null,
      cost_checked_at: null,
      secrets_purged: false,
      runpod_model_reference: null,
    },
    metadata: req.metadata,
    created_at: iso,
    updated_at: iso,
    version: 0,
  };
}
