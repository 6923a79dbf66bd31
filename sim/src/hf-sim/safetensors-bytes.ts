import { DTYPE_BYTES } from '@visgate/shared';
import type { TensorSpec } from './repo-fixture';

/** A synthesised safetensors file: the real header bytes and how many data bytes follow them. */
export interface VirtualSafetensors {
  /** 8-byte little-endian length prefix followed by the (space-padded) JSON header. */
  head: Buffer;
  /** Tensor names in header order, for building a shard index. */
  tensorNames: string[];
  dataBytes: number;
}

const DEFAULT_TENSORS = 16;

/**
 * Builds a deterministic safetensors header for the given tensor runs: tensors are 1-D, contiguous
 * from offset 0, and the JSON is padded with spaces to a multiple of 8 bytes, as the reference
 * writer does. The same specs always yield the same bytes.
 */
export function buildSafetensors(specs: readonly TensorSpec[]): VirtualSafetensors {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const tensorNames: string[] = [];
  let offset = 0;
  specs.forEach((spec, s) => {
    const width = DTYPE_BYTES[spec.dtype];
    if (width === undefined) throw new Error(`unknown dtype ${spec.dtype}`);
    if (spec.named !== undefined) {
      let count = 0;
      for (const t of spec.named) {
        const elements = t.shape.reduce((a, b) => a * b, 1);
        header[t.name] = {
          dtype: spec.dtype,
          shape: [...t.shape],
          data_offsets: [offset, offset + elements * width],
        };
        tensorNames.push(t.name);
        offset += elements * width;
        count += elements;
      }
      if (count !== spec.params) throw new Error(`named tensors hold ${count}, not ${spec.params}`);
      return;
    }
    const count = Math.max(1, Math.min(spec.tensors ?? DEFAULT_TENSORS, spec.params));
    const base = Math.floor(spec.params / count);
    const extra = spec.params % count;
    const prefix = spec.prefix ?? (specs.length > 1 ? `blocks_${s}` : 'blocks');
    for (let i = 0; i < count; i++) {
      const elements = base + (i < extra ? 1 : 0);
      const name = `${prefix}.${i}.weight`;
      header[name] = {
        dtype: spec.dtype,
        shape: [elements],
        data_offsets: [offset, offset + elements * width],
      };
      tensorNames.push(name);
      offset += elements * width;
    }
  });
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const body = Buffer.from(json, 'utf8');
  const head = Buffer.alloc(8 + body.length);
  head.writeBigUInt64LE(BigInt(body.length), 0);
  body.copy(head, 8);
  return { head, tensorNames, dataBytes: offset };
}
