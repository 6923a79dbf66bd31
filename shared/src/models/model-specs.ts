import {
  estimateVram,
  vramFor,
  type ModelFamily,
  type WeightComponent,
} from '../memory/estimate-vram';
import type { MemoryPlan } from '../memory/memory-plan';
import { tasksForFamily } from '../deployment/deploy-task';
import { isSupportedPipelineClass } from './supported-pipelines';

/**
 * A model the registry knows without reading its headers. `weightsBytes` is at the precision the
 * worker loads; `vramBytes` is the estimator's peak for one default-size job.
 */
export interface ModelSpec {
  id: string;
  family: ModelFamily | 'audio' | 'video' | 'pixel';
  pipelineClass: string | null;
  tasks: string[];
  weightsBytes: number;
  vramBytes: number;
  /** Activation peak when it is not the image formula's (video families). */
  activationBytes?: number;
  /**
   * The memory plans the header estimate gives (video families): with the components known, model
   * offload needs at least the denoiser and its activations, which the registry figures alone miss.
   */
  memoryPlans?: MemoryPlan[];
  gated: boolean;
  supported: boolean;
  notes: string;
}

const GIB = 1024 ** 3;

/** Parameter counts of shared components (from their safetensors headers). */
const P = {
  clipL: 123_060_480,
  clipLProj: 123_650_304,
  openClipH: 340_387_840,
  openClipBigG: 694_659_841,
  t5xxl: 4_762_310_656,
  sdVae: 83_653_863,
  vae16ch: 83_819_683,
  sd15Unet: 859_520_964,
  sd2Unet: 865_910_724,
  sdxlUnet: 2_567_463_684,
  fluxTransformer: 11_901_408_320,
  // Video: ≈ counts from the model cards and the diffusers repos' file sizes (bf16 = 2 bytes a
  // parameter): Wan 2.1 DiT "1.3B" (2.84 GB in bf16) and "14B" (28.6 GB), umT5-XXL encoder
  // (11.4 GB), Wan-VAE (≈127M); CogVideoX "2B" / "5B" DiT, T5-XXL (same encoder as FLUX), 3-D VAE
  // (≈215M). Widths and layers: Wan README (dim 1536 / 5120, 30 / 40 layers).
  wan13Transformer: 1_420_000_000,
  wan14Transformer: 14_290_000_000,
  umt5Xxl: 5_680_000_000,
  wanVae: 127_000_000,
  cogvideox2Transformer: 1_690_000_000,
  cogvideox5Transformer: 5_570_000_000,
  cogvideoxVae: 215_000_000,
};

type Parts = Record<string, number>;

function components(parts: Parts): WeightComponent[] {
  return Object.entries(parts).map(([name, params]) => ({
    name,
    className: null,
    dtype: 'F16',
    bytes: params * 2,
    params,
    files: [],
  }));
}

interface DiffusersEntry {
  id: string;
  pipelineClass: string;
  tasks: string[];
  parts: Parts;
  gated: boolean;
  notes: string;
}

/**
 * A diffusers entry (image or video): figures come from `estimateVram` over the listed parts at
 * the family's default job size. It is supported when its pipeline class is one the worker serves
 * (SUPPORTED_PIPELINE_CLASSES).
 */
function diffusers(e: DiffusersEntry): ModelSpec {
  const est = estimateVram({
    pipelineClass: e.pipelineClass,
    modelId: e.id,
    components: components(e.parts),
  });
  return {
    id: e.id,
    family: est.family as ModelFamily,
    pipelineClass: e.pipelineClass,
    // A served model lists the tasks a deployment of it may take (deploy-task.ts); others as known.
    tasks: isSupportedPipelineClass(e.pipelineClass) ? [...tasksForFamily(est.family)] : e.tasks,
    weightsBytes: est.weights_bytes,
    vramBytes: est.vram_bytes,
    ...(est.video
      ? { activationBytes: est.activation_bytes, memoryPlans: est.memory_plans ?? [] }
      : {}),
    gated: e.gated,
    supported: isSupportedPipelineClass(e.pipelineClass),
    notes: e.notes,
  };
}

interface OtherEntry {
  id: string;
  family: 'audio' | 'video' | 'pixel';
  pipelineClass: string | null;
  tasks: string[];
  /** Parameters and bytes per parameter as such models are usually run. */
  params: number;
  bytesPerParam: number;
  activationGiB: number;
  gated: boolean;
  notes: string;
}

/** A model our worker does not serve: rough figures, same overhead formula. */
function unsupported(e: OtherEntry): ModelSpec {
  const weightsBytes = e.params * e.bytesPerParam;
  const { vramBytes } = vramFor(weightsBytes, Math.ceil(e.activationGiB * GIB));
  return {
    id: e.id,
    family: e.family,
    pipelineClass: e.pipelineClass,
    tasks: e.tasks,
    weightsBytes,
    vramBytes,
    gated: e.gated,
    supported: false,
    notes: e.notes,
  };
}

const T2I = ['text-to-image'];
const T2I_I2I = ['text-to-image', 'image-to-image'];
const T2V = ['text-to-video'];
const wanParts = (transformer: number): Parts => ({
  transformer,
  text_encoder: P.umt5Xxl,
  vae: P.wanVae,
});
const cogParts = (transformer: number): Parts => ({
  transformer,
  text_encoder: P.t5xxl,
  vae: P.cogvideoxVae,
});
const FLUX_PARTS: Parts = {
  transformer: P.fluxTransformer,
  text_encoder: P.clipL,
  text_encoder_2: P.t5xxl,
  vae: P.vae16ch,
};
const SDXL_PARTS: Parts = {
  unet: P.sdxlUnet,
  text_encoder: P.clipL,
  text_encoder_2: P.openClipBigG,
  vae: P.sdVae,
};
const SD2_PARTS: Parts = { unet: P.sd2Unet, text_encoder: P.openClipH, vae: P.sdVae };
const sd3Parts = (transformer: number): Parts => ({
  transformer,
  text_encoder: P.clipLProj,
  text_encoder_2: P.openClipBigG,
  text_encoder_3: P.t5xxl,
  vae: P.vae16ch,
});
const NOT_IMAGE =
  'Not a diffusers pipeline our worker serves (image families, Wan and CogVideoX diffusers repos).';

/**
 * The seed's 25 registry ids with corrected figures (video figures at the family's default job). Diffusers image models use `estimateVram`
 * over their components at the worker's 2-byte dtype; figures marked ≈ are rounded published
 * counts, to be replaced by header reads. Audio and video models are listed unsupported.
 */
export const MODEL_SPECS: readonly ModelSpec[] = [
  diffusers({
    id: 'black-forest-labs/FLUX.1-schnell',
    pipelineClass: 'FluxPipeline',
    tasks: T2I,
    parts: FLUX_PARTS,
    gated: false,
    notes: '12B transformer + T5-XXL in bf16 (~31 GiB): does not fit 24 GB without offload.',
  }),
  diffusers({
    id: 'black-forest-labs/FLUX.1-dev',
    pipelineClass: 'FluxPipeline',
    tasks: T2I,
    parts: FLUX_PARTS,
    gated: true,
    notes: 'Gated (licence). Same architecture as schnell; 28 steps, guidance 3.5.',
  }),
  diffusers({
    id: 'stabilityai/stable-diffusion-xl-base-1.0',
    pipelineClass: 'StableDiffusionXLPipeline',
    tasks: T2I_I2I,
    parts: SDXL_PARTS,
    gated: false,
    notes: 'VAE decode at 1024² (upcast to fp32) is the activation peak.',
  }),
  diffusers({
    id: 'stabilityai/sdxl-turbo',
    pipelineClass: 'StableDiffusionXLPipeline',
    tasks: T2I_I2I,
    parts: SDXL_PARTS,
    gated: false,
    notes: 'SDXL distilled: 1 step at 512², guidance 0.',
  }),
  diffusers({
    id: 'stabilityai/sd-turbo',
    pipelineClass: 'StableDiffusionPipeline',
    tasks: T2I_I2I,
    parts: SD2_PARTS,
    gated: false,
    notes: 'SD 2.1 distilled: 1 step at 512², guidance 0.',
  }),
  diffusers({
    id: 'stabilityai/stable-diffusion-2-1',
    pipelineClass: 'StableDiffusionPipeline',
    tasks: T2I_I2I,
    parts: SD2_PARTS,
    gated: false,
    notes: 'v-prediction at 768².',
  }),
  diffusers({
    id: 'runwayml/stable-diffusion-v1-5',
    pipelineClass: 'StableDiffusionPipeline',
    tasks: T2I_I2I,
    parts: { unet: P.sd15Unet, text_encoder: P.clipL, vae: P.sdVae, safety_checker: 304_000_000 },
    gated: false,
    notes:
      'Repo removed by runwayml (mirror: stable-diffusion-v1-5/stable-diffusion-v1-5). Counts the ≈304M safety checker.',
  }),
  diffusers({
    id: 'stabilityai/stable-diffusion-3-medium-diffusers',
    pipelineClass: 'StableDiffusion3Pipeline',
    tasks: T2I,
    parts: sd3Parts(2_028_328_000),
    gated: true,
    notes: 'Gated. ≈2B MMDiT; T5-XXL kept resident (dropping it saves ~9 GiB).',
  }),
  diffusers({
    id: 'stabilityai/stable-diffusion-3.5-large',
    pipelineClass: 'StableDiffusion3Pipeline',
    tasks: T2I,
    parts: sd3Parts(8_060_000_000),
    gated: true,
    notes: 'Gated. ≈8.1B MMDiT in bf16 with T5-XXL resident.',
  }),
  diffusers({
    id: 'stabilityai/stable-diffusion-3.5-large-turbo',
    pipelineClass: 'StableDiffusion3Pipeline',
    tasks: T2I,
    parts: sd3Parts(8_060_000_000),
    gated: true,
    notes: 'Gated. SD3.5 Large distilled: 4 steps, guidance 0.',
  }),
  diffusers({
    id: 'stabilityai/stable-diffusion-3.5-medium',
    pipelineClass: 'StableDiffusion3Pipeline',
    tasks: T2I,
    parts: sd3Parts(2_470_000_000),
    gated: true,
    notes: 'Gated. ≈2.5B MMDiT-X with T5-XXL resident.',
  }),
  diffusers({
    id: 'PixArt-alpha/PixArt-Sigma-XL-2-1024-MS',
    pipelineClass: 'PixArtSigmaPipeline',
    tasks: T2I,
    parts: { transformer: 611_000_000, text_encoder: P.t5xxl, vae: P.sdVae },
    gated: false,
    notes: '≈0.6B DiT; the T5-XXL encoder is most of the weight.',
  }),
  diffusers({
    id: 'kandinsky-community/kandinsky-2-2-decoder',
    pipelineClass: 'KandinskyV22Pipeline',
    tasks: T2I_I2I,
    parts: {
      unet: 1_250_000_000,
      movq: 67_000_000,
      prior: 1_000_000_000,
      prior_image_encoder: 1_840_000_000,
      prior_text_encoder: P.openClipBigG,
    },
    gated: false,
    notes:
      'Not served: text-to-image needs the 2.2 prior too (combined pipeline), which our worker does not build; deployments are refused with MODEL_UNSUPPORTED. ≈ counts for both repos.',
  }),
  unsupported({
    id: 'DeepFloyd/IF-I-XL-v1.0',
    family: 'pixel',
    pipelineClass: 'IFPipeline',
    tasks: T2I,
    params: 4_300_000_000 + P.t5xxl,
    bytesPerParam: 2,
    activationGiB: 2,
    gated: true,
    notes:
      'Gated. Pixel-space cascade: stage I makes 64² images and needs stages II/III; our worker runs single latent pipelines.',
  }),
  unsupported({
    id: 'openai/whisper-large-v3',
    family: 'audio',
    pipelineClass: null,
    tasks: ['automatic-speech-recognition'],
    params: 1_543_490_560,
    bytesPerParam: 2,
    activationGiB: 1,
    gated: false,
    notes: `Speech-to-text (transformers). ${NOT_IMAGE}`,
  }),
  unsupported({
    id: 'openai/whisper-large-v3-turbo',
    family: 'audio',
    pipelineClass: null,
    tasks: ['automatic-speech-recognition'],
    params: 808_878_080,
    bytesPerParam: 2,
    activationGiB: 1,
    gated: false,
    notes: `Speech-to-text (transformers). ${NOT_IMAGE}`,
  }),
  unsupported({
    id: 'microsoft/speecht5_tts',
    family: 'audio',
    pipelineClass: null,
    tasks: ['text-to-speech'],
    params: 157_000_000,
    bytesPerParam: 4,
    activationGiB: 0.5,
    gated: false,
    notes: `Text-to-speech with a HiFi-GAN vocoder, fp32. ${NOT_IMAGE}`,
  }),
  unsupported({
    id: 'cvssp/audioldm2',
    family: 'audio',
    pipelineClass: 'AudioLDM2Pipeline',
    tasks: ['text-to-audio'],
    params: 1_200_000_000,
    bytesPerParam: 2,
    activationGiB: 1,
    gated: false,
    notes: `Text-to-audio diffusion (≈ counts). ${NOT_IMAGE}`,
  }),
  unsupported({
    id: 'suno/bark',
    family: 'audio',
    pipelineClass: null,
    tasks: ['text-to-speech'],
    params: 1_000_000_000,
    bytesPerParam: 2,
    activationGiB: 1.5,
    gated: false,
    notes: `Three GPT-style stages + EnCodec (≈ counts). ${NOT_IMAGE}`,
  }),
  unsupported({
    id: 'Wan-AI/Wan2.1-T2V-14B',
    family: 'video',
    pipelineClass: null,
    tasks: ['text-to-video'],
    params: 14_000_000_000 + 5_680_000_000 + 127_000_000,
    bytesPerParam: 2,
    activationGiB: 16,
    gated: false,
    notes: `Native (non-diffusers) checkpoint: deploy Wan-AI/Wan2.1-T2V-14B-Diffusers instead. ${NOT_IMAGE}`,
  }),
  diffusers({
    id: 'Wan-AI/Wan2.1-T2V-14B-Diffusers',
    pipelineClass: 'WanPipeline',
    tasks: T2V,
    parts: wanParts(P.wan14Transformer),
    gated: false,
    notes:
      'Model card: 14B DiT + umT5-XXL, 480P and 720P; 81 frames at 16 fps. ≈49 GB at 480×832 all on the GPU; the 28.6 GB transformer alone needs a 48 GB card, tiled or offloaded.',
  }),
  unsupported({
    id: 'Wan-AI/Wan2.1-T2V-1.3B',
    family: 'video',
    pipelineClass: null,
    tasks: ['text-to-video'],
    params: 1_300_000_000 + 5_680_000_000 + 127_000_000,
    bytesPerParam: 2,
    activationGiB: 6,
    gated: false,
    notes: `Native (non-diffusers) checkpoint: deploy Wan-AI/Wan2.1-T2V-1.3B-Diffusers instead. ${NOT_IMAGE}`,
  }),
  diffusers({
    id: 'Wan-AI/Wan2.1-T2V-1.3B-Diffusers',
    pipelineClass: 'WanPipeline',
    tasks: T2V,
    parts: wanParts(P.wan13Transformer),
    gated: false,
    notes:
      'Model card: 1.3B DiT, 480P (480×832), 81 frames at 16 fps. Its "8.19 GB" is the native code with the umT5 encoder on the CPU; diffusers\' model offload moves the 11.4 GB umT5 onto the card (≈14 GB).',
  }),
  diffusers({
    id: 'THUDM/CogVideoX-2b',
    pipelineClass: 'CogVideoXPipeline',
    tasks: T2V,
    parts: cogParts(P.cogvideox2Transformer),
    gated: false,
    notes:
      'Model card: 720×480 only, 49 frames (6 s at 8 fps), 50 steps; fp16 recommended. diffusers docs: 33 GB all resident, 19 GB with model offload, 11 GB with offload and VAE tiling (the card\'s "4 GB" is sequential offload, which we never choose).',
  }),
  diffusers({
    id: 'THUDM/CogVideoX-5b',
    pipelineClass: 'CogVideoXPipeline',
    tasks: T2V,
    parts: cogParts(P.cogvideox5Transformer),
    gated: false,
    notes:
      'Model card: 720×480 only, 49 frames at 8 fps in bf16; "20.7 GB" with diffusers\' model offload and VAE tiling (its "5 GB" is sequential offload, which we never choose).',
  }),
];

const BY_ID = new Map(MODEL_SPECS.map((s) => [s.id.toLowerCase(), s]));

/** The registry entry for a Hugging Face id (case-insensitive, as the Hub resolves ids), if any. */
export function findModelSpec(id: string): ModelSpec | undefined {
  return BY_ID.get(id.trim().toLowerCase());
}
