/** Safetensors dtypes the simulator can synthesise (keys of DTYPE_BYTES). */
export type SimDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I8' | 'U8' | 'BOOL';

export interface TensorSpec {
  dtype: SimDtype;
  params: number;
  /** Number of header entries to split `params` over (more entries = longer header). Default 16. */
  tensors?: number;
  /** Tensor name prefix; names are `${prefix}.${i}.weight`. Default "blocks". */
  prefix?: string;
  /**
   * Tensors named and shaped one by one instead of a run (LoRA adapters, whose key names and
   * shapes tell the family they target); `params` must be their element count.
   */
  named?: readonly { name: string; shape: readonly number[] }[];
}

/**
 * One file of a fixture repo. Exactly one content field is set:
 * `json`/`text` are served verbatim; `safetensors` is a virtual file (real header, zero data);
 * `shardIndexOf` is a `*.safetensors.index.json` built from the listed shard files' headers;
 * `blobBytes` is an opaque LFS file of that size that reads as zeros (.bin, .ckpt, .onnx);
 * `rawBase64` is served byte for byte (corrupt headers and other oddities).
 */
export type FixtureFile =
  | { path: string; json: unknown }
  | { path: string; text: string }
  | { path: string; safetensors: readonly TensorSpec[] }
  | { path: string; shardIndexOf: readonly string[] }
  | { path: string; blobBytes: number }
  | { path: string; rawBase64: string };

/** A model repository on the simulated Hub, at one commit. */
export interface RepoFixture {
  /** `org/name`. */
  id: string;
  /** 40-hex commit sha that `main` (and every name in `refs`) resolves to. */
  sha: string;
  /** Extra branch or tag names resolving to `sha`. */
  refs?: readonly string[];
  private?: boolean;
  gated?: false | 'auto' | 'manual';
  libraryName: string | null;
  pipelineTag: string | null;
  tags?: readonly string[];
  /** ISO timestamp; defaults to a fixed date. */
  lastModified?: string;
  /**
   * The model card's YAML metadata as the Hub parses it from README.md (`cardData` in model info,
   * e.g. `base_model` for adapters); absent when the card has none.
   */
  cardData?: Record<string, unknown>;
  files: readonly FixtureFile[];
}
