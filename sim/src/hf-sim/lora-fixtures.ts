import type { FixtureFile, RepoFixture } from './repo-fixture';

// LoRA adapter repos as the Hub serves them: a README whose YAML front matter the Hub parses into
// `cardData` (with `base_model`), and one `pytorch_lora_weights.safetensors` at the root, the name
// diffusers' `save_lora_weights` writes (LCM-LoRA repos, file sizes ≈ their listings: SDXL
// ≈394 MB, SD 1.5 ≈135 MB). Header keys follow the kohya naming those files use
// (`lora_unet_<block>.lora_down.weight`, `.lora_up.weight`, `.alpha`); the shapes of the
// cross-attention key projections carry the context width that tells the family (2048 SDXL, 768
// SD 1.5). A filler run brings each file to its size.

type Named = { name: string; shape: readonly number[] };

const elements = (named: readonly Named[]): number =>
  named.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);

/** down/up/alpha triples of one kohya LoRA module at `rank` for a `inDim → outDim` linear layer. */
const kohya = (module: string, rank: number, inDim: number, outDim: number): Named[] => [
  { name: `${module}.alpha`, shape: [] },
  { name: `${module}.lora_down.weight`, shape: [rank, inDim] },
  { name: `${module}.lora_up.weight`, shape: [outDim, rank] },
];

/** An adapter card's metadata: what the Hub parses out of README.md's front matter as `cardData`. */
const cardDataOf = (baseModel: string) => ({
  library_name: 'diffusers',
  base_model: baseModel,
  tags: ['lora', 'text-to-image'],
  inference: false,
});

/** README.md with `data` as its YAML front matter (scalars and lists of scalars). */
const card = (data: Record<string, unknown>, title: string): FixtureFile => {
  const yaml = Object.entries(data).map(([k, v]) =>
    Array.isArray(v) ? `${k}:\n${v.map((x) => `- ${String(x)}`).join('\n')}` : `${k}: ${String(v)}`,
  );
  return { path: 'README.md', text: `---\n${yaml.join('\n')}\n---\n# ${title}\n` };
};

const gitattributes: FixtureFile = {
  path: '.gitattributes',
  text: '*.safetensors filter=lfs diff=lfs merge=lfs -text\n',
};

const loraRepo = (o: {
  id: string;
  sha: string;
  baseModel: string | null;
  named: Named[];
  fillerParams: number;
}): RepoFixture => ({
  id: o.id,
  sha: o.sha,
  libraryName: 'diffusers',
  pipelineTag: 'text-to-image',
  tags: ['diffusers', 'lora', 'text-to-image', 'safetensors'],
  ...(o.baseModel === null ? {} : { cardData: cardDataOf(o.baseModel) }),
  files: [
    gitattributes,
    o.baseModel === null
      ? { path: 'README.md', text: `# ${o.id}\n` }
      : card(cardDataOf(o.baseModel), o.id),
    {
      path: 'pytorch_lora_weights.safetensors',
      safetensors: [
        { dtype: 'F16', params: elements(o.named), named: o.named },
        { dtype: 'F16', params: o.fillerParams, tensors: 64, prefix: 'lora_unet_filler' },
      ],
    },
  ],
});

const SDXL_LORA: Named[] = [
  ...kohya('lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k', 64, 2048, 640),
  ...kohya('lora_unet_down_blocks_1_attentions_0_transformer_blocks_1_attn1_to_q', 64, 640, 640),
  ...kohya('lora_unet_down_blocks_2_attentions_0_transformer_blocks_9_attn2_to_v', 64, 2048, 1280),
  ...kohya('lora_unet_mid_block_attentions_0_transformer_blocks_0_attn2_to_k', 64, 2048, 1280),
];

const SD15_LORA: Named[] = [
  ...kohya('lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k', 64, 768, 320),
  ...kohya('lora_unet_down_blocks_0_attentions_0_proj_in', 64, 320, 320),
  ...kohya('lora_unet_up_blocks_3_attentions_2_transformer_blocks_0_attn2_to_v', 64, 768, 320),
  ...kohya('lora_unet_mid_block_attentions_0_transformer_blocks_0_attn2_to_k', 64, 768, 1280),
];

/** Adapter repos on the simulated Hub (shas are fixed stand-ins). */
export const LORA_FIXTURES: readonly RepoFixture[] = [
  loraRepo({
    id: 'latent-consistency/lcm-lora-sdxl',
    sha: '74b5c6d3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7',
    baseModel: 'stabilityai/stable-diffusion-xl-base-1.0',
    named: SDXL_LORA,
    fillerParams: 196_700_000,
  }),
  loraRepo({
    id: 'latent-consistency/lcm-lora-sdv1-5',
    sha: '3e8f7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c',
    baseModel: 'runwayml/stable-diffusion-v1-5',
    named: SD15_LORA,
    fillerParams: 67_200_000,
  }),
  {
    // An adapter repo with pickle weights only: refused with LORA_INVALID.
    id: 'visgate-test/pickle-lora',
    sha: '0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a69788796',
    libraryName: null,
    pipelineTag: null,
    files: [
      gitattributes,
      { path: 'README.md', text: '# pickle lora\n' },
      { path: 'pytorch_lora_weights.bin', blobBytes: 3_000_000 },
    ],
  },
];
