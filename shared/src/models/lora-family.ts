import { familyOf, type ModelFamily } from '../memory/estimate-vram';

/** One tensor of a safetensors header: its name and shape. */
export interface LoraTensor {
  name: string;
  shape: readonly number[];
}

/**
 * Whether the names look like a LoRA diffusers loads: diffusers/PEFT (`lora_A`/`lora_B`,
 * `lora.down`/`lora.up`), kohya and LyCORIS LoCon (`lora_down`/`lora_up`, `alpha`), XLabs FLUX
 * (`processor.proj_lora1.down`, `qkv_lora2.up`). LyCORIS LoHa/LoKr (`hada_w1`, `lokr_w1`) are not:
 * diffusers 0.42 converts LoKr only for Z-Image and Flux2 and LoHa nowhere (isLycorisOnly says so).
 */
export function hasLoraKeys(names: readonly string[]): boolean {
  return names.some((n) =>
    /(lora_A|lora_B|lora\.down|lora\.up|lora_down|lora_up|_lora\d+\.down|_lora\d+\.up)(\.|_)/.test(
      n,
    ),
  );
}

/** LyCORIS LoHa/LoKr weights (`hada_w1`, `lokr_w1`), which diffusers cannot load for our families. */
export function isLycorisOnly(names: readonly string[]): boolean {
  return !hasLoraKeys(names) && names.some((n) => /(hada|lokr)_w1/.test(n));
}

/** Width of the UNet cross-attention context by family (the text encoder's hidden size). */
const CONTEXT_WIDTH: readonly (readonly [number, ModelFamily])[] = [
  [768, 'sd1'],
  [1024, 'sd2'],
  [2048, 'sdxl'],
];

/** The low-rank "down" matrix of a cross-attention key projection: its input width is the context. */
const CROSS_ATTN_KEY_DOWN =
  /attn2[._]to_k[._]?.*(lora_A|lora\.down|lora_down)\.weight$|attn2_to_k\.lora_down\.weight$/;

/**
 * The base family a LoRA was trained for, from its tensor names and shapes, or null when they do
 * not tell. Signals, strongest first: FLUX (`single_transformer_blocks`, kohya `double_blocks` /
 * `single_blocks`), SD3 (`joint_blocks`, or diffusers `transformer_blocks` with `add_k_proj` but no
 * single blocks and a width other than FLUX's 3072), Wan (`blocks.N.cross_attn` / `attn2`), SDXL (a second text encoder:
 * `text_encoder_2.` / `lora_te2_`), then the UNet's cross-attention context width (the input of
 * `attn2.to_k`'s down matrix: 768 SD 1.x CLIP-L, 1024 SD 2.x OpenCLIP-H, 2048 SDXL), then SDXL's
 * deeper transformer stacks (`transformer_blocks.1`+ inside UNet attentions), then a 768-wide
 * first text encoder with UNet keys (SD 1.x). Pure.
 */
export function loraFamilyFromTensors(tensors: readonly LoraTensor[]): ModelFamily | null {
  const names = tensors.map((t) => t.name);
  const any = (re: RegExp) => names.some((n) => re.test(n));
  if (any(/single_transformer_blocks|(^|[._])(double|single)_blocks[._]/)) return 'flux';
  if (any(/joint_blocks/)) return 'sd3';
  if (any(/transformer_blocks[._]\d+[._]attn[._]add_k_proj/) && !any(/unet/)) {
    // FLUX's double blocks have the same names as SD3's blocks: FLUX's width is 3072.
    const toQ = tensors.find((t) =>
      /attn[._]to_q[._](lora_A|lora\.down|lora_down)\.weight$/.test(t.name),
    );
    return toQ?.shape[1] === 3072 ? 'flux' : 'sd3';
  }
  if (any(/(^|\.)blocks\.\d+\.(cross_attn|self_attn|ffn|attn1|attn2)\.|lora_unet_blocks_\d+_/))
    return 'wan';
  if (any(/(^|[._])text_encoder_2[._]|lora_te2_/)) return 'sdxl';
  for (const t of tensors) {
    if (!CROSS_ATTN_KEY_DOWN.test(t.name) || t.shape.length < 2) continue;
    const width = t.shape[1];
    const hit = CONTEXT_WIDTH.find(([w]) => w === width);
    if (hit) return hit[1];
  }
  if (any(/(down|up)_blocks[._]\d+[._]attentions[._]\d+[._]transformer_blocks[._][1-9]/))
    return 'sdxl';
  const unet = any(/(^|[._])unet[._]|lora_unet_/);
  const te768 = tensors.some(
    (t) =>
      /(^|[._])(text_encoder|lora_te1?)[._]/.test(t.name) &&
      /(lora_A|lora\.down|lora_down)\.weight$/.test(t.name) &&
      t.shape[1] === 768,
  );
  if (unet && te768) return 'sd1';
  return null;
}

/**
 * The family named by a model card's `base_model` (a repo id or a list of them), or null when it
 * names none we know. Ids are matched as the estimator matches model ids (familyOf's id rules).
 */
export function loraFamilyFromCard(baseModel: unknown): ModelFamily | null {
  const ids = (Array.isArray(baseModel) ? baseModel : [baseModel]).filter(
    (x): x is string => typeof x === 'string',
  );
  for (const id of ids) {
    const f = familyOf(null, id);
    if (f !== 'other') return f;
  }
  return null;
}

/** The adapter's family: the header's when it tells, else the card's, else null (unknown). */
export function loraFamily(tensors: readonly LoraTensor[], baseModel: unknown): ModelFamily | null {
  return loraFamilyFromTensors(tensors) ?? loraFamilyFromCard(baseModel);
}
