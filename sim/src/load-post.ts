import { Agent, request } from 'node:http';
import { startLocalSystem } from './local-system';

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
    NaN
  );
}

export interface LoadResult {
  wallS: number;
  accepted: number;
  replayed: number;
  otherStatuses: Record<string, number>;
  documents: number;
  duplicateIds: number;
  mismatchedReplays: number;
  latenciesMs: number[];
  replayLatenciesMs: number[];
}

/**
 * Fires `n` POSTs at once (then each again with its Idempotency-Key) at a local system whose
 * pipeline waits on a Hub that never answers in time, so the API's own path (auth check against
 * RunPod, idempotency, document and secrets write, publish) is what gets measured.
 */
export async function runLoad(n: number): Promise<LoadResult> {
  const sys = await startLocalSystem({
    hub: { latencyMs: 600_000 },
    env: { LOG_LEVEL: 'error', HTTP_TIMEOUT_MS: '600000' },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const url = new URL(`${sys.url}/v1/deployments`);
  const post = (idem: string): Promise<{ status: number; id: string | null; ms: number }> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const body = JSON.stringify({ hf_model_id: 'stabilityai/sd-turbo' });
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${sys.apiKey}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'idempotency-key': idem,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const json = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
              deployment_id?: string;
            };
            resolve({
              status: res.statusCode ?? 0,
              id: json.deployment_id ?? null,
              ms: performance.now() - t0,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const wall0 = performance.now();
  const keys = Array.from({ length: n }, (_, i) => `load-${i}`);
  const first = await Promise.all(keys.map((k) => post(k)));
  const again = await Promise.all(keys.map((k) => post(k)));
  const wallS = (performance.now() - wall0) / 1000;

  const otherStatuses: Record<string, number> = {};
  for (const r of [...first, ...again])
    if (r.status !== 202) otherStatuses[r.status] = (otherStatuses[r.status] ?? 0) + 1;
  const ids = first.map((r) => r.id).filter((x): x is string => x !== null);
  const result: LoadResult = {
    wallS,
    accepted: first.filter((r) => r.status === 202).length,
    replayed: again.filter((r) => r.status === 202).length,
    otherStatuses,
    documents: sys.system.store.size(),
    duplicateIds: ids.length - new Set(ids).size,
    mismatchedReplays: again.filter((r, i) => r.id !== first[i]?.id).length,
    latenciesMs: first.map((r) => r.ms),
    replayLatenciesMs: again.map((r) => r.ms),
  };
  agent.destroy();
  await sys.close();
  return result;
}
