import type { PublicDeployment } from '../schemas/deployment';

const GB = 1e9;
const GIB = 1024 ** 3;

function bar(share: number, width = 20): string {
  const full = Math.round(Math.max(0, Math.min(1, share)) * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

/**
 * One human line describing where a deployment stands: status, step detail, GPU and price, and a
 * download bar while weights are fetched. Pure, so the CLI and the demo render the same thing.
 * `readyIn` (e.g. "22 s") ends a ready line with the time since the caller's own action (a resume)
 * instead of the time since the deployment was requested.
 */
export function describeProgress(d: PublicDeployment, readyIn?: string): string {
  const status = d.status.padEnd(13);
  const gpu = d.gpu ? `${d.gpu.pool} $${d.gpu.price_per_hour_usd.toFixed(3)}/h` : '';
  switch (d.status) {
    case 'queued':
      return `${status} accepted`;
    case 'validating':
      return `${status} checking ${d.hf_model_id} on the Hugging Face Hub`;
    case 'selecting_gpu': {
      const e = d.estimate;
      const weights = e ? (e.weights_bytes / GB).toFixed(2) : '?';
      return `${status} ${d.pipeline ?? ''}: ${weights} GB of weights, needs ${e ? (e.vram_bytes / GIB).toFixed(1) : '?'} GiB of VRAM`;
    }
    case 'provisioning':
      return `${status} ${gpu}${d.gpu?.fallback_pools.length ? `, fallbacks ${d.gpu.fallback_pools.join(', ')}` : ''}; creating endpoint`;
    case 'loading': {
      const p = d.progress;
      if (p.stage === 'downloading' && p.bytes_total) {
        const done = p.bytes_done ?? 0;
        const rate = p.throughput_bytes_per_s
          ? `  ${(p.throughput_bytes_per_s / GB).toFixed(2)} GB/s`
          : '';
        return `${status} ${gpu}  downloading ${bar(done / p.bytes_total)} ${Math.round(
          (100 * done) / p.bytes_total,
        )
          .toString()
          .padStart(3)}%  ${(done / GB).toFixed(2)}/${(p.bytes_total / GB).toFixed(2)} GB${rate}`;
      }
      if (p.stage === 'loading' || p.stage === 'warming_up')
        return `${status} ${gpu}  ${p.stage.replace('_', ' ')} the model into VRAM`;
      return `${status} ${gpu}  endpoint ${d.endpoint_id ?? ''}: waiting for a worker`;
    }
    case 'ready': {
      const t = d.timings;
      const parts = [
        t.fetch_s !== null ? `fetch ${t.fetch_s.toFixed(1)} s` : null,
        t.load_s !== null ? `load ${t.load_s.toFixed(1)} s` : null,
      ].filter(Boolean);
      // The worker's own word for where the weights came from (runpod_cache, s3, huggingface, local).
      const from =
        d.progress.source && /^[a-z_]+$/.test(d.progress.source)
          ? ` from ${d.progress.source}`
          : '';
      const when = readyIn
        ? `ready in ${readyIn}`
        : `ready ${t.seconds_to_ready?.toFixed(1) ?? '?'} s after the request`;
      return `${status} ${gpu}  model in VRAM${from}${parts.length ? ` (${parts.join(', ')})` : ''}; ${when}`;
    }
    case 'paused':
      return `${status} endpoint ${d.endpoint_id ?? ''} kept at 0 workers; not billing (resume to use it)`;
    case 'failed':
      return `${status} ${d.error?.code ?? ''}: ${d.error?.message ?? ''}`;
    case 'deleting':
      return `${status} deleting the RunPod endpoint and template`;
    case 'deleted':
      return `${status} endpoint and template deleted; billing stopped`;
  }
}
