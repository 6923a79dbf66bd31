import { AppError, summarizeSafetensorsHeader, type TensorSummary } from '@visgate/shared';

/** Bytes asked for in the first ranged read; most headers fit (hf-mem uses the same figure). */
export const FIRST_READ_BYTES = 100_000;
/** Larger declared headers are treated as corrupt rather than fetched. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Reads at most `limit` bytes of a body and cancels the rest, so a server ignoring Range costs little. */
async function readAtMost(res: Response, limit: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, limit);
}

const corrupt = (path: string, why: string, cause?: unknown): AppError =>
  new AppError('MODEL_UNSUPPORTED', `${path} is not a readable safetensors file (${why}).`, {
    cause,
    details: { file: path },
  });

/**
 * Sums a remote safetensors file from its header alone: one Range read of the first 100,000 bytes,
 * and a second for the rest of the header when it is longer. Never reads tensor data. Throws
 * MODEL_UNSUPPORTED for a malformed header; transport errors come from `hubFetch`.
 */
export async function readSafetensorsSummary(
  hubFetch: typeof fetch,
  url: string,
  path: string,
): Promise<TensorSummary> {
  return (await readSafetensorsHeader(hubFetch, url, path)).summary;
}

/**
 * readSafetensorsSummary plus the header itself (tensor names and shapes), for LoRA adapters
 * whose key names tell the family they target.
 */
export async function readSafetensorsHeader(
  hubFetch: typeof fetch,
  url: string,
  path: string,
): Promise<{ summary: TensorSummary; header: Record<string, unknown> }> {
  const range = async (start: number, end: number): Promise<Buffer> => {
    const res = await hubFetch(url, { headers: { Range: `bytes=${start}-${end}` } });
    return readAtMost(res, end - start + 1);
  };
  let buf = await range(0, FIRST_READ_BYTES - 1);
  if (buf.length < 8) throw corrupt(path, 'shorter than its length prefix');
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (headerLength < 2 || headerLength > MAX_HEADER_BYTES)
    throw corrupt(path, 'implausible header length');
  if (buf.length < 8 + headerLength) {
    const rest = await range(buf.length, 8 + headerLength - 1);
    buf = Buffer.concat([buf, rest]);
    if (buf.length < 8 + headerLength) throw corrupt(path, 'header truncated');
  }
  let header: unknown;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8'));
  } catch (e) {
    throw corrupt(path, 'header is not JSON', e);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw corrupt(path, 'header is not a JSON object');
  }
  try {
    const record = header as Record<string, unknown>;
    return { summary: summarizeSafetensorsHeader(record), header: record };
  } catch (e) {
    throw corrupt(path, e instanceof Error ? e.message : 'bad tensor entry', e);
  }
}
