/** Which weights of one component folder to read, decided from file names alone. */
export type WeightChoice =
  | { kind: 'single'; variant: string | null; file: string }
  | { kind: 'sharded'; variant: string | null; index: string }
  | { kind: 'pickle-only'; files: string[] }
  | { kind: 'none' };

/** Variants in order of preference; null is the default (unsuffixed) weights. */
export const VARIANT_PREFERENCE: readonly (string | null)[] = ['fp16', 'bf16', null];

const STEMS = ['diffusion_pytorch_model', 'model'] as const;
const PICKLE = /\.(bin|ckpt|pt|pth|pkl)$/;

/**
 * Picks a component's weights from the names in its folder: per variant (fp16, then bf16, then
 * default) a single `<stem>[.<variant>].safetensors`, else a shard index
 * (`<stem>.safetensors.index[.<variant>].json` or `<stem>[.<variant>].safetensors.index.json`).
 * Other variants (`non_ema`, `ema`) are never chosen. Names are folder-relative.
 */
export function chooseWeights(names: readonly string[]): WeightChoice {
  const has = new Set(names);
  for (const variant of VARIANT_PREFERENCE) {
    const v = variant === null ? '' : `.${variant}`;
    for (const stem of STEMS) {
      if (has.has(`${stem}${v}.safetensors`))
        return { kind: 'single', variant, file: `${stem}${v}.safetensors` };
    }
    for (const stem of STEMS) {
      for (const index of [
        `${stem}.safetensors.index${v}.json`,
        `${stem}${v}.safetensors.index.json`,
      ]) {
        if (has.has(index)) return { kind: 'sharded', variant, index };
      }
    }
  }
  const pickles = names.filter((n) => PICKLE.test(n)).sort();
  return pickles.length > 0 ? { kind: 'pickle-only', files: pickles } : { kind: 'none' };
}

/** Class names that never carry weights (schedulers, tokenizers, processors). */
export function isWeightlessClass(className: string): boolean {
  return /(Scheduler|Tokenizer|TokenizerFast|FeatureExtractor|ImageProcessor|Processor)$/.test(
    className,
  );
}
