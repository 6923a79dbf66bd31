import { LORA_FIXTURES } from './lora-fixtures';
import type { FixtureFile, RepoFixture, SimDtype } from './repo-fixture';

// Per-component parameter counts and dtypes match the real repos; tensor names and shapes are
// representative (1-D runs), and tokenizer/readme contents are short stand-ins.

/** Real parameter counts of the components used below. */
export const PARAMS = {
  sd2Unet: 865_910_724,
  sd15Unet: 859_520_964,
  sdxlUnet: 2_567_463_684,
  clipL: 123_060_480,
  clipLWithProjection: 123_650_304,
  openClipH: 340_387_840,
  openClipBigGWithProjection: 694_659_841,
  sdVae: 83_653_863,
  fluxVae: 83_819_683,
  safetyChecker: 303_981_588,
  fluxTransformerShards: [4_991_252_480, 4_974_387_200, 1_935_768_640],
  t5XxlEncoderShards: [2_497_708_032, 2_264_602_624],
  sd3MediumTransformer: 2_028_328_000,
  pixartSigmaTransformer: 610_856_252,
  whisperLargeV3: 1_543_490_560,
  // Video repos (≈ from the diffusers repos' fp32/fp16 file sizes): Wan 2.1 1.3B's transformer
  // (≈5.68 GB fp32), its umT5-XXL encoder (5 fp32 shards, ≈22.7 GB) and Wan-VAE (≈508 MB fp32);
  // CogVideoX-2b's transformer (≈3.4 GB fp16) and 3-D VAE (≈431 MB fp16).
  wan13Transformer: 1_418_996_800,
  umt5XxlShards: [1_136_000_000, 1_136_000_000, 1_136_000_000, 1_136_000_000, 1_136_000_000],
  wanVae: 126_892_531,
  cogvideox2Transformer: 1_692_000_000,
  cogvideoxVae: 215_591_363,
} as const;

const st = (
  path: string,
  dtype: SimDtype,
  params: number,
  tensors = 16,
  prefix?: string,
): FixtureFile => ({
  path,
  safetensors: [{ dtype, params, tensors, ...(prefix === undefined ? {} : { prefix }) }],
});

/** Default fp32 weights plus the `.fp16` variant diffusers writes beside them. */
const fp32AndFp16 = (stem: string, params: number, tensors: number): FixtureFile[] => [
  st(`${stem}.safetensors`, 'F32', params, tensors),
  st(`${stem}.fp16.safetensors`, 'F16', params, tensors),
];

/** Shards `<stem>-0000i-of-0000n.safetensors` plus `<stem>.safetensors.index.json`. */
const sharded = (stem: string, dtype: SimDtype, shards: readonly number[]): FixtureFile[] => {
  const n = String(shards.length).padStart(5, '0');
  const paths = shards.map(
    (_, i) => `${stem}-${String(i + 1).padStart(5, '0')}-of-${n}.safetensors`,
  );
  return [
    // Tensor names must be unique across shards: the index maps each name to one shard.
    ...shards.map((params, i) => st(paths[i]!, dtype, params, 120, `layers_${i}.block`)),
    { path: `${stem}.safetensors.index.json`, shardIndexOf: paths },
  ];
};

const diffusersConfig = (folder: string, className: string): FixtureFile => ({
  path: `${folder}/config.json`,
  json: { _class_name: className, _diffusers_version: '0.30.0' },
});

const transformersConfig = (folder: string, arch: string, dtype: string): FixtureFile => ({
  path: folder === '' ? 'config.json' : `${folder}/config.json`,
  json: { architectures: [arch], torch_dtype: dtype, transformers_version: '4.44.0' },
});

const scheduler = (className: string): FixtureFile => ({
  path: 'scheduler/scheduler_config.json',
  json: { _class_name: className, _diffusers_version: '0.30.0', num_train_timesteps: 1000 },
});

const clipTokenizer = (folder: string): FixtureFile[] => [
  { path: `${folder}/merges.txt`, text: '#version: 0.2\ni n\nt h\n' },
  { path: `${folder}/special_tokens_map.json`, json: { bos_token: '<|startoftext|>' } },
  { path: `${folder}/tokenizer_config.json`, json: { model_max_length: 77 } },
  { path: `${folder}/vocab.json`, json: { '<|startoftext|>': 49406, '<|endoftext|>': 49407 } },
];

const t5Tokenizer = (folder: string): FixtureFile[] => [
  { path: `${folder}/special_tokens_map.json`, json: { eos_token: '</s>' } },
  { path: `${folder}/spiece.model`, blobBytes: 791_656 },
  { path: `${folder}/tokenizer.json`, json: { version: '1.0' } },
  { path: `${folder}/tokenizer_config.json`, json: { model_max_length: 512 } },
];

const repoFiles = (title: string): FixtureFile[] => [
  { path: '.gitattributes', text: '*.safetensors filter=lfs diff=lfs merge=lfs -text\n' },
  { path: 'README.md', text: `---\nlibrary_name: diffusers\n---\n# ${title}\n` },
];

const modelIndex = (className: string, components: Record<string, unknown>): FixtureFile => ({
  path: 'model_index.json',
  json: { _class_name: className, _diffusers_version: '0.30.0', ...components },
});

const SD_SCHEDULER_TOKENIZER = {
  scheduler: ['diffusers', 'EulerDiscreteScheduler'],
  tokenizer: ['transformers', 'CLIPTokenizer'],
};

const sd2Turbo = (id: string, sha: string, title: string): RepoFixture => ({
  id,
  sha,
  libraryName: 'diffusers',
  pipelineTag: 'text-to-image',
  tags: ['diffusers', 'safetensors', 'text-to-image'],
  files: [
    ...repoFiles(title),
    modelIndex('StableDiffusionPipeline', {
      feature_extractor: [null, null],
      requires_safety_checker: false,
      safety_checker: [null, null],
      ...SD_SCHEDULER_TOKENIZER,
      text_encoder: ['transformers', 'CLIPTextModel'],
      unet: ['diffusers', 'UNet2DConditionModel'],
      vae: ['diffusers', 'AutoencoderKL'],
    }),
    scheduler('EulerDiscreteScheduler'),
    transformersConfig('text_encoder', 'CLIPTextModel', 'float32'),
    ...fp32AndFp16('text_encoder/model', PARAMS.openClipH, 372),
    ...clipTokenizer('tokenizer'),
    diffusersConfig('unet', 'UNet2DConditionModel'),
    ...fp32AndFp16('unet/diffusion_pytorch_model', PARAMS.sd2Unet, 686),
    diffusersConfig('vae', 'AutoencoderKL'),
    ...fp32AndFp16('vae/diffusion_pytorch_model', PARAMS.sdVae, 248),
  ],
});

const sd15 = (id: string, sha: string): RepoFixture => ({
  id,
  sha,
  libraryName: 'diffusers',
  pipelineTag: 'text-to-image',
  tags: ['diffusers', 'safetensors', 'stable-diffusion', 'text-to-image'],
  files: [
    ...repoFiles('Stable Diffusion v1-5'),
    modelIndex('StableDiffusionPipeline', {
      feature_extractor: ['transformers', 'CLIPImageProcessor'],
      requires_safety_checker: true,
      safety_checker: ['stable_diffusion', 'StableDiffusionSafetyChecker'],
      scheduler: ['diffusers', 'PNDMScheduler'],
      text_encoder: ['transformers', 'CLIPTextModel'],
      tokenizer: ['transformers', 'CLIPTokenizer'],
      unet: ['diffusers', 'UNet2DConditionModel'],
      vae: ['diffusers', 'AutoencoderKL'],
    }),
    { path: 'feature_extractor/preprocessor_config.json', json: { crop_size: 224 } },
    transformersConfig('safety_checker', 'StableDiffusionSafetyChecker', 'float32'),
    ...fp32AndFp16('safety_checker/model', PARAMS.safetyChecker, 398),
    { path: 'safety_checker/pytorch_model.bin', blobBytes: 1_216_067_303 },
    scheduler('PNDMScheduler'),
    transformersConfig('text_encoder', 'CLIPTextModel', 'float32'),
    ...fp32AndFp16('text_encoder/model', PARAMS.clipL, 196),
    { path: 'text_encoder/pytorch_model.bin', blobBytes: 492_305_335 },
    ...clipTokenizer('tokenizer'),
    diffusersConfig('unet', 'UNet2DConditionModel'),
    ...fp32AndFp16('unet/diffusion_pytorch_model', PARAMS.sd15Unet, 686),
    { path: 'unet/diffusion_pytorch_model.bin', blobBytes: 3_438_375_973 },
    st('unet/diffusion_pytorch_model.non_ema.safetensors', 'F32', PARAMS.sd15Unet, 686),
    diffusersConfig('vae', 'AutoencoderKL'),
    ...fp32AndFp16('vae/diffusion_pytorch_model', PARAMS.sdVae, 248),
    { path: 'v1-5-pruned-emaonly.safetensors', blobBytes: 4_265_146_304 },
    { path: 'v1-5-pruned.ckpt', blobBytes: 7_703_807_346 },
  ],
});

const sdxl = (id: string, sha: string, title: string, checkpoint: FixtureFile[]): RepoFixture => ({
  id,
  sha,
  libraryName: 'diffusers',
  pipelineTag: 'text-to-image',
  tags: ['diffusers', 'safetensors', 'stable-diffusion-xl', 'text-to-image'],
  files: [
    ...repoFiles(title),
    modelIndex('StableDiffusionXLPipeline', {
      force_zeros_for_empty_prompt: true,
      ...SD_SCHEDULER_TOKENIZER,
      text_encoder: ['transformers', 'CLIPTextModel'],
      text_encoder_2: ['transformers', 'CLIPTextModelWithProjection'],
      tokenizer_2: ['transformers', 'CLIPTokenizer'],
      unet: ['diffusers', 'UNet2DConditionModel'],
      vae: ['diffusers', 'AutoencoderKL'],
    }),
    scheduler('EulerDiscreteScheduler'),
    transformersConfig('text_encoder', 'CLIPTextModel', 'float16'),
    ...fp32AndFp16('text_encoder/model', PARAMS.clipL, 196),
    transformersConfig('text_encoder_2', 'CLIPTextModelWithProjection', 'float16'),
    ...fp32AndFp16('text_encoder_2/model', PARAMS.openClipBigGWithProjection, 517),
    ...clipTokenizer('tokenizer'),
    ...clipTokenizer('tokenizer_2'),
    diffusersConfig('unet', 'UNet2DConditionModel'),
    // 1,680 tensors, as in the real UNet: the header is longer than one 100,000-byte read.
    ...fp32AndFp16('unet/diffusion_pytorch_model', PARAMS.sdxlUnet, 1680),
    diffusersConfig('vae', 'AutoencoderKL'),
    ...fp32AndFp16('vae/diffusion_pytorch_model', PARAMS.sdVae, 248),
    ...checkpoint,
  ],
});

const sdxlAllInOne =
  PARAMS.sdxlUnet + PARAMS.clipL + PARAMS.openClipBigGWithProjection + PARAMS.sdVae;

const t5Encoder = (folder: string, dtype: SimDtype): FixtureFile[] => [
  transformersConfig(folder, 'T5EncoderModel', dtype === 'F32' ? 'float32' : 'bfloat16'),
  ...sharded(`${folder}/model`, dtype, PARAMS.t5XxlEncoderShards),
];

const flux = (id: string, sha: string, gated: false | 'manual', single: string): RepoFixture => ({
  id,
  sha,
  gated,
  libraryName: 'diffusers',
  pipelineTag: 'text-to-image',
  tags: ['diffusers', 'safetensors', 'text-to-image', 'flux'],
  files: [
    ...repoFiles(id),
    modelIndex('FluxPipeline', {
      scheduler: ['diffusers', 'FlowMatchEulerDiscreteScheduler'],
      text_encoder: ['transformers', 'CLIPTextModel'],
      text_encoder_2: ['transformers', 'T5EncoderModel'],
      tokenizer: ['transformers', 'CLIPTokenizer'],
      tokenizer_2: ['transformers', 'T5TokenizerFast'],
      transformer: ['diffusers', 'FluxTransformer2DModel'],
      vae: ['diffusers', 'AutoencoderKL'],
    }),
    { path: 'ae.safetensors', blobBytes: 335_304_388 },
    { path: single, blobBytes: 23_782_506_688 },
    scheduler('FlowMatchEulerDiscreteScheduler'),
    transformersConfig('text_encoder', 'CLIPTextModel', 'bfloat16'),
    st('text_encoder/model.safetensors', 'BF16', PARAMS.clipL, 196),
    ...t5Encoder('text_encoder_2', 'BF16'),
    ...clipTokenizer('tokenizer'),
    ...t5Tokenizer('tokenizer_2'),
    diffusersConfig('transformer', 'FluxTransformer2DModel'),
    ...sharded('transformer/diffusion_pytorch_model', 'BF16', PARAMS.fluxTransformerShards),
    diffusersConfig('vae', 'AutoencoderKL'),
    st('vae/diffusion_pytorch_model.safetensors', 'BF16', PARAMS.fluxVae, 244),
  ],
});

const tinySd = (id: string, sha: string, isPrivate: boolean, unetParams: number): RepoFixture => ({
  id,
  sha,
  private: isPrivate,
  libraryName: 'diffusers',
  pipelineTag: 'text-to-image',
  tags: ['diffusers', 'safetensors'],
  files: [
    ...repoFiles(id),
    modelIndex('StableDiffusionPipeline', {
      feature_extractor: [null, null],
      requires_safety_checker: false,
      safety_checker: [null, null],
      ...SD_SCHEDULER_TOKENIZER,
      text_encoder: ['transformers', 'CLIPTextModel'],
      unet: ['diffusers', 'UNet2DConditionModel'],
      vae: ['diffusers', 'AutoencoderKL'],
    }),
    scheduler('EulerDiscreteScheduler'),
    transformersConfig('text_encoder', 'CLIPTextModel', 'float32'),
    st('text_encoder/model.safetensors', 'F32', 1_512, 4),
    ...clipTokenizer('tokenizer'),
    diffusersConfig('unet', 'UNet2DConditionModel'),
    ...fp32AndFp16('unet/diffusion_pytorch_model', unetParams, 8),
    diffusersConfig('vae', 'AutoencoderKL'),
    st('vae/diffusion_pytorch_model.safetensors', 'F32', 1_060, 4),
  ],
});

const wan13 = (): RepoFixture => ({
  id: 'Wan-AI/Wan2.1-T2V-1.3B-Diffusers',
  sha: '0fad780a534b6463e45facd96134c9f345acfa5b',
  libraryName: 'diffusers',
  pipelineTag: 'text-to-video',
  tags: ['diffusers', 'safetensors', 'text-to-video', 'WanPipeline'],
  files: [
    ...repoFiles('Wan2.1 T2V 1.3B'),
    modelIndex('WanPipeline', {
      scheduler: ['diffusers', 'UniPCMultistepScheduler'],
      text_encoder: ['transformers', 'UMT5EncoderModel'],
      tokenizer: ['transformers', 'T5TokenizerFast'],
      transformer: ['diffusers', 'WanTransformer3DModel'],
      vae: ['diffusers', 'AutoencoderKLWan'],
    }),
    scheduler('UniPCMultistepScheduler'),
    transformersConfig('text_encoder', 'UMT5EncoderModel', 'float32'),
    ...sharded('text_encoder/model', 'F32', PARAMS.umt5XxlShards),
    ...t5Tokenizer('tokenizer'),
    diffusersConfig('transformer', 'WanTransformer3DModel'),
    st('transformer/diffusion_pytorch_model.safetensors', 'F32', PARAMS.wan13Transformer, 825),
    diffusersConfig('vae', 'AutoencoderKLWan'),
    st('vae/diffusion_pytorch_model.safetensors', 'F32', PARAMS.wanVae, 194),
  ],
});

const cogVideoX2b = (): RepoFixture => ({
  id: 'THUDM/CogVideoX-2b',
  sha: '1137dacfc2c9c012bed6a0793f4ecf2ca8e7ba01',
  libraryName: 'diffusers',
  pipelineTag: 'text-to-video',
  tags: ['diffusers', 'safetensors', 'text-to-video', 'cogvideox'],
  files: [
    ...repoFiles('CogVideoX-2B'),
    modelIndex('CogVideoXPipeline', {
      scheduler: ['diffusers', 'CogVideoXDDIMScheduler'],
      text_encoder: ['transformers', 'T5EncoderModel'],
      tokenizer: ['transformers', 'T5Tokenizer'],
      transformer: ['diffusers', 'CogVideoXTransformer3DModel'],
      vae: ['diffusers', 'AutoencoderKLCogVideoX'],
    }),
    scheduler('CogVideoXDDIMScheduler'),
    ...t5Encoder('text_encoder', 'F16'),
    ...t5Tokenizer('tokenizer'),
    diffusersConfig('transformer', 'CogVideoXTransformer3DModel'),
    st('transformer/diffusion_pytorch_model.safetensors', 'F16', PARAMS.cogvideox2Transformer, 420),
    diffusersConfig('vae', 'AutoencoderKLCogVideoX'),
    st('vae/diffusion_pytorch_model.safetensors', 'F16', PARAMS.cogvideoxVae, 436),
  ],
});

/** The simulated Hub's catalog. Repo shas are fixed (PixArt's is its real main commit). */
export const FIXTURES: readonly RepoFixture[] = [
  sd2Turbo('stabilityai/sd-turbo', '60bdbed7d6aefd5666eb7ec0c4b5f8827e8e924d', 'SD-Turbo'),
  {
    ...sd2Turbo(
      'stabilityai/stable-diffusion-2-1',
      'a0a23ed2bb56c3c41ba73369fd62645c35042aa6',
      'SD 2.1',
    ),
    refs: ['fp16'],
  },
  sdxl(
    'stabilityai/stable-diffusion-xl-base-1.0',
    'acaf034a8b3450c4737e7d5baacebdc3b7f033bf',
    'SDXL',
    [
      st('sd_xl_base_1.0.safetensors', 'F16', sdxlAllInOne, 64),
      { path: 'sd_xl_offset_example-lora_1.0.safetensors', blobBytes: 49_553_604 },
    ],
  ),
  sdxl('stabilityai/sdxl-turbo', '15fe4153b1bf40aa84e7ca291757e3d75aa8f6dd', 'SDXL-Turbo', [
    st('sd_xl_turbo_1.0.safetensors', 'F32', sdxlAllInOne, 64),
    st('sd_xl_turbo_1.0_fp16.safetensors', 'F16', sdxlAllInOne, 64),
  ]),
  sd15('stable-diffusion-v1-5/stable-diffusion-v1-5', 'f0c2a6ab6dac177cff1a47f4f153b4a30dc60c54'),
  sd15('runwayml/stable-diffusion-v1-5', '062a1c6b452771ea3cac3359c12a0ef4f6053ae6'),
  {
    id: 'stabilityai/stable-diffusion-3-medium-diffusers',
    sha: 'fc8ae91105360f02e57550a39aa72425431c45f9',
    gated: 'auto',
    libraryName: 'diffusers',
    pipelineTag: 'text-to-image',
    tags: ['diffusers', 'safetensors', 'text-to-image', 'stable-diffusion'],
    files: [
      ...repoFiles('Stable Diffusion 3 Medium'),
      modelIndex('StableDiffusion3Pipeline', {
        scheduler: ['diffusers', 'FlowMatchEulerDiscreteScheduler'],
        text_encoder: ['transformers', 'CLIPTextModelWithProjection'],
        text_encoder_2: ['transformers', 'CLIPTextModelWithProjection'],
        text_encoder_3: ['transformers', 'T5EncoderModel'],
        tokenizer: ['transformers', 'CLIPTokenizer'],
        tokenizer_2: ['transformers', 'CLIPTokenizer'],
        tokenizer_3: ['transformers', 'T5TokenizerFast'],
        transformer: ['diffusers', 'SD3Transformer2DModel'],
        vae: ['diffusers', 'AutoencoderKL'],
      }),
      scheduler('FlowMatchEulerDiscreteScheduler'),
      transformersConfig('text_encoder', 'CLIPTextModelWithProjection', 'float16'),
      st('text_encoder/model.safetensors', 'F16', PARAMS.clipLWithProjection, 197),
      transformersConfig('text_encoder_2', 'CLIPTextModelWithProjection', 'float16'),
      st('text_encoder_2/model.safetensors', 'F16', PARAMS.openClipBigGWithProjection, 517),
      transformersConfig('text_encoder_3', 'T5EncoderModel', 'float16'),
      ...sharded('text_encoder_3/model', 'F16', PARAMS.t5XxlEncoderShards),
      ...clipTokenizer('tokenizer'),
      ...clipTokenizer('tokenizer_2'),
      ...t5Tokenizer('tokenizer_3'),
      diffusersConfig('transformer', 'SD3Transformer2DModel'),
      st(
        'transformer/diffusion_pytorch_model.safetensors',
        'F16',
        PARAMS.sd3MediumTransformer,
        491,
      ),
      diffusersConfig('vae', 'AutoencoderKL'),
      st('vae/diffusion_pytorch_model.safetensors', 'F16', PARAMS.fluxVae, 244),
    ],
  },
  flux(
    'black-forest-labs/FLUX.1-schnell',
    '590540624270eb55551ecc5919cb095707ebe3d4',
    false,
    'flux1-schnell.safetensors',
  ),
  flux(
    'black-forest-labs/FLUX.1-dev',
    '2bcd92b1fba16f7e1575ab4f74c348edfa1754de',
    'manual',
    'flux1-dev.safetensors',
  ),
  {
    id: 'PixArt-alpha/PixArt-Sigma-XL-2-1024-MS',
    sha: 'e102b3591cc82e97071b8b4cb90d834d0c487207',
    libraryName: 'diffusers',
    pipelineTag: 'text-to-image',
    tags: ['diffusers', 'safetensors', 'text-to-image', 'PixArtSigmaPipeline'],
    files: [
      ...repoFiles('PixArt-Sigma'),
      modelIndex('PixArtSigmaPipeline', {
        scheduler: ['diffusers', 'DPMSolverMultistepScheduler'],
        text_encoder: ['transformers', 'T5EncoderModel'],
        tokenizer: ['transformers', 'T5Tokenizer'],
        transformer: ['diffusers', 'PixArtTransformer2DModel'],
        vae: ['diffusers', 'AutoencoderKL'],
      }),
      scheduler('DPMSolverMultistepScheduler'),
      ...t5Encoder('text_encoder', 'F32'),
      ...t5Tokenizer('tokenizer'),
      diffusersConfig('transformer', 'PixArtTransformer2DModel'),
      st(
        'transformer/diffusion_pytorch_model.safetensors',
        'F32',
        PARAMS.pixartSigmaTransformer,
        725,
      ),
      diffusersConfig('vae', 'AutoencoderKL'),
      st('vae/diffusion_pytorch_model.safetensors', 'F32', PARAMS.sdVae, 248),
    ],
  },
  {
    // Loads as KandinskyV22Pipeline, which needs the 2.2 prior's image embeddings: refused.
    id: 'kandinsky-community/kandinsky-2-2-decoder',
    sha: '4c50e5a2aa0bd5ff4cf5d1e1ab6b0a2a5e1e3fd4',
    libraryName: 'diffusers',
    pipelineTag: 'text-to-image',
    tags: ['diffusers', 'safetensors', 'text-to-image', 'KandinskyV22Pipeline'],
    files: [
      ...repoFiles('Kandinsky 2.2 decoder'),
      modelIndex('KandinskyV22Pipeline', {
        movq: ['diffusers', 'VQModel'],
        scheduler: ['diffusers', 'DDPMScheduler'],
        unet: ['diffusers', 'UNet2DConditionModel'],
      }),
      scheduler('DDPMScheduler'),
      diffusersConfig('unet', 'UNet2DConditionModel'),
      st('unet/diffusion_pytorch_model.safetensors', 'F32', 1_250_000_000, 686),
      diffusersConfig('movq', 'VQModel'),
      st('movq/diffusion_pytorch_model.safetensors', 'F32', 67_000_000, 231),
    ],
  },
  {
    id: 'openai/whisper-large-v3',
    sha: '40e1d644ad72c6e840a0475c7634e33083c94d72',
    libraryName: 'transformers',
    pipelineTag: 'automatic-speech-recognition',
    tags: ['transformers', 'safetensors', 'whisper', 'automatic-speech-recognition'],
    files: [
      { path: '.gitattributes', text: '*.safetensors filter=lfs diff=lfs merge=lfs -text\n' },
      { path: 'README.md', text: '---\nlibrary_name: transformers\n---\n# Whisper\n' },
      transformersConfig('', 'WhisperForConditionalGeneration', 'float16'),
      st('model.safetensors', 'F16', PARAMS.whisperLargeV3, 1259),
      { path: 'preprocessor_config.json', json: { feature_size: 128 } },
      { path: 'tokenizer.json', json: { version: '1.0' } },
    ],
  },
  tinySd(
    'acme-corp/private-diffusion',
    'e36019efec8f634f360ce74d5b8a6edec40c2047',
    true,
    12_345_678,
  ),
  tinySd('visgate-test/tiny-sd', '5747fa5d68420e59ab26e829eb065df11231d77d', false, 2_048),
  wan13(),
  cogVideoX2b(),
  ...LORA_FIXTURES,
];
