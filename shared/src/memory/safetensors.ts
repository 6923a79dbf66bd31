/** Bytes per element of each safetensors dtype. */
export const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  I64: 8,
  U64: 8,
  F32: 4,
  I32: 4,
  U32: 4,
  F16: 2,
  BF16: 2,
  I16: 2,
  U16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export interface SafetensorsTensorInfo {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** What one safetensors file (or a set of shards) holds, from its header alone. */
export interface TensorSummary {
  /** Exact bytes of tensor data (sum of data_offsets spans). */
  bytes: number;
  /** Number of elements over all tensors. */
  params: number;
  /** Elements per dtype, e.g. `{ F16: 865910724 }`. */
  paramsByDtype: Record<string, number>;
}

/**
 * Sums a parsed safetensors header (the JSON after the 8-byte length prefix). The `__metadata__`
 * entry is ignored. Throws on a tensor whose byte span disagrees with its shape and dtype, since that
 * header is corrupt or not safetensors.
 */
export function summarizeSafetensorsHeader(header: Record<string, unknown>): TensorSummary {
  const summary: TensorSummary = { bytes: 0, params: 0, paramsByDtype: {} };
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const info = raw as SafetensorsTensorInfo;
    const width = DTYPE_BYTES[info.dtype];
    if (width === undefined || !Array.isArray(info.shape) || !Array.isArray(info.data_offsets)) {
      throw new Error(`tensor ${name}: unsupported dtype or malformed entry`);
    }
    const elements = info.shape.reduce((a, b) => a * b, 1);
    const span = info.data_offsets[1] - info.data_offsets[0];
    if (span !== elements * width)
      throw new Error(`tensor ${name}: byte span ${span} != ${elements} x ${width}`);
    summary.bytes += span;
    summary.params += elements;
    summary.paramsByDtype[info.dtype] = (summary.paramsByDtype[info.dtype] ?? 0) + elements;
  }
  return summary;
}

/** Adds shard summaries together. */
export function mergeTensorSummaries(parts: readonly TensorSummary[]): TensorSummary {
  const out: TensorSummary = { bytes: 0, params: 0, paramsByDtype: {} };
  for (const p of parts) {
    out.bytes += p.bytes;
    out.params += p.params;
    for (const [d, n] of Object.entries(p.paramsByDtype))
      out.paramsByDtype[d] = (out.paramsByDtype[d] ?? 0) + n;
  }
  return out;
}

/** The dtype holding most elements, e.g. "F16" for a half-precision UNet with a few F32 norms. */
export function dominantDtype(summary: TensorSummary): string {
  let best = 'F32';
  let bestCount = -1;
  for (const [d, n] of Object.entries(summary.paramsByDtype)) {
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}
