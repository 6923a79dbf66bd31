import { videoDefaults, type VideoFamily } from './families';

const GIB = 1024 ** 3;

/**
 * What sizes a video DiT's working set: how its VAE compresses frames (time by 4, space by 8, 16
 * latent channels for both Wan 2.1 and CogVideoX: `vae/config.json`), the transformer's patch
 * (1×2×2), whether classifier-free guidance runs as a batch of 2 (CogVideoXPipeline concatenates
 * the conditional and unconditional latents; WanPipeline runs the two passes one after the other),
 * and the VAE decode: Wan's causal VAE decodes one latent frame (4 video frames) at a time,
 * CogVideoX's `frame_batch_size` 2 latent frames (8 video frames) at a time.
 */
interface VideoArch {
  temporalCompression: number;
  spatialCompression: number;
  latentChannels: number;
  patch: readonly [number, number, number];
  cfgBatch: number;
  vaeChunkFrames: number;
  /**
   * ≈ peak bytes per decoded pixel of one chunk without tiling (3-D conv activations at 128-512
   * channels in bf16, plus the upsampling copies); tiling cuts it (see memory-plan.ts).
   */
  vaeDecodeBytesPerPixel: number;
  /**
   * Multiplier on the DiT's working-set formula, from the model cards: Wan 2.1 1.3B's ≈20 GB all
   * resident matches it as is (its "8.19 GB" is the native code with umT5 on the CPU, not a diffusers plan); CogVideoX-5B's "20.7 GB using diffusers"
   * with model CPU offload and VAE tiling needs ≈3× (joint text-video attention with rotary
   * embeddings keeps more copies of the sequence).
   */
  ditCalibration: number;
}

const VIDEO_ARCH: Record<VideoFamily, VideoArch> = {
  wan: {
    temporalCompression: 4,
    spatialCompression: 8,
    latentChannels: 16,
    patch: [1, 2, 2],
    cfgBatch: 1,
    vaeChunkFrames: 4,
    vaeDecodeBytesPerPixel: 2400,
    ditCalibration: 1,
  },
  cogvideox: {
    temporalCompression: 4,
    spatialCompression: 8,
    latentChannels: 16,
    patch: [1, 2, 2],
    cfgBatch: 2,
    vaeChunkFrames: 8,
    // diffusers' CogVideoX docs: "about 19 GB of GPU memory to decode 49 frames" at 720×480 without
    // tiling (33 GB all resident, 19 GB with model offload, 11 GB with offload and tiling):
    // 19 GB over one 8-frame chunk of 720×480 is ≈6900 bytes per pixel.
    vaeDecodeBytesPerPixel: 6900,
    ditCalibration: 3,
  },
};

/**
 * Transformer width and feed-forward width by size, from `transformer/config.json` of the
 * diffusers repos: Wan 2.1 1.3B dim 1536 / ffn 8960, 14B dim 5120 / ffn 13824; CogVideoX-2b 30
 * heads × 64 = 1920, 5b 48 × 64 = 3072, feed-forward 4× the width.
 */
function ditWidths(
  family: VideoFamily,
  transformerParams: number,
): { hidden: number; ffn: number } {
  if (family === 'wan') {
    return transformerParams < 5e9 ? { hidden: 1536, ffn: 8960 } : { hidden: 5120, ffn: 13824 };
  }
  return transformerParams < 3.5e9 ? { hidden: 1920, ffn: 7680 } : { hidden: 3072, ffn: 12288 };
}

export interface VideoShape {
  width: number;
  height: number;
  numFrames: number;
}

export interface VideoActivations {
  width: number;
  height: number;
  num_frames: number;
  fps: number;
  latent_frames: number;
  latent_tokens: number;
  dit_activation_bytes: number;
  vae_decode_bytes: number;
}

/**
 * Peak activation memory of one video job, by phase. Latent frames are
 * `(num_frames − 1) / temporal + 1`; tokens are latent frames × (height/8/2) × (width/8/2). The
 * DiT's peak inside one block is ≈ tokens × (ffn + 7 × hidden) × 2 bytes (feed-forward
 * intermediate, q/k/v/out and the residual stream in bf16; attention itself goes through SDPA's
 * memory-efficient kernels), times the guidance batch and the family's calibration. The VAE decode peak is one chunk of frames
 * × pixels × bytes per pixel. The phases run one after the other, so the job's peak is the larger
 * one plus the latents. Pure.
 */
export function videoActivations(
  family: VideoFamily,
  transformerParams: number,
  shape?: Partial<VideoShape>,
): VideoActivations {
  const d = videoDefaults(family);
  if (d === null) throw new Error(`${family} has no video defaults`);
  const arch = VIDEO_ARCH[family];
  const width = shape?.width ?? d.width;
  const height = shape?.height ?? d.height;
  const numFrames = shape?.numFrames ?? d.numFrames;
  const latentFrames = Math.floor((numFrames - 1) / arch.temporalCompression) + 1;
  const latentH = Math.ceil(height / arch.spatialCompression);
  const latentW = Math.ceil(width / arch.spatialCompression);
  const [pt, ph, pw] = arch.patch;
  const tokens = Math.ceil(latentFrames / pt) * Math.ceil(latentH / ph) * Math.ceil(latentW / pw);
  const { hidden, ffn } = ditWidths(family, transformerParams);
  const dit = tokens * (ffn + 7 * hidden) * 2 * arch.cfgBatch * arch.ditCalibration;
  const chunk = Math.min(numFrames, arch.vaeChunkFrames);
  const vae = chunk * width * height * arch.vaeDecodeBytesPerPixel;
  return {
    width,
    height,
    num_frames: numFrames,
    fps: d.fps,
    latent_frames: latentFrames,
    latent_tokens: tokens,
    dit_activation_bytes: Math.ceil(dit),
    vae_decode_bytes: Math.ceil(vae),
  };
}

/** The job's activation peak from its phases (never below 0.5 GiB): larger phase + fp32 latents. */
export function videoPeakBytes(v: VideoActivations, family: VideoFamily): number {
  const arch = VIDEO_ARCH[family];
  const latents =
    v.latent_frames *
    Math.ceil(v.height / arch.spatialCompression) *
    Math.ceil(v.width / arch.spatialCompression) *
    arch.latentChannels *
    4 *
    arch.cfgBatch;
  return Math.max(0.5 * GIB, Math.max(v.dit_activation_bytes, v.vae_decode_bytes) + latents);
}
