import { selectGpuWithPlan } from '../gpu/select-gpu-plan';
import type { GpuPool } from '../gpu/catalog';
import { estimateVram, type WeightComponent } from './estimate-vram';
import { memoryPlans, TILED_ACTIVATION_SHARE } from './memory-plan';
import { videoActivations } from './video-estimate';

const GIB = 1024 ** 3;
const part = (name: string, params: number): WeightComponent => ({
  name,
  className: null,
  dtype: 'BF16',
  bytes: params * 2,
  params,
  files: [],
});
const WAN_13 = [
  part('transformer', 1_418_996_800),
  part('text_encoder', 5_680_000_000),
  part('vae', 126_892_531),
];

describe('videoActivations', () => {
  it.each([
    // [family, transformer params, shape, latent frames, latent tokens]
    ['wan', 1.4e9, {}, 21, 21 * 30 * 52],
    ['wan', 1.4e9, { numFrames: 33 }, 9, 9 * 30 * 52],
    ['wan', 14e9, { width: 1280, height: 720, numFrames: 81 }, 21, 21 * 45 * 80],
    ['cogvideox', 1.7e9, {}, 13, 13 * 30 * 45],
    ['cogvideox', 5.6e9, { numFrames: 49 }, 13, 13 * 30 * 45],
  ] as const)(
    '%s %d params %j: %d latent frames, %d tokens',
    (family, params, shape, frames, tokens) => {
      const v = videoActivations(family, params, shape);
      expect(v.latent_frames).toBe(frames);
      expect(v.latent_tokens).toBe(tokens);
    },
  );

  it('grows with frames and size, and the 14B DiT needs more than the 1.3B', () => {
    const small = videoActivations('wan', 1.4e9, { numFrames: 33 });
    const long = videoActivations('wan', 1.4e9, { numFrames: 81 });
    const hd = videoActivations('wan', 1.4e9, { width: 1280, height: 720, numFrames: 81 });
    const big = videoActivations('wan', 14e9, { numFrames: 81 });
    expect(long.dit_activation_bytes).toBeGreaterThan(small.dit_activation_bytes);
    expect(hd.dit_activation_bytes).toBeGreaterThan(long.dit_activation_bytes);
    expect(hd.vae_decode_bytes).toBeGreaterThan(long.vae_decode_bytes);
    expect(big.dit_activation_bytes).toBeGreaterThan(long.dit_activation_bytes);
  });

  it('runs CogVideoX guidance as a batch of two, Wan as two passes', () => {
    const cog = videoActivations('cogvideox', 1.7e9, { width: 832, height: 480, numFrames: 81 });
    const wan = videoActivations('wan', 1.4e9, { width: 832, height: 480, numFrames: 81 });
    expect(cog.latent_tokens).toBe(wan.latent_tokens);
    expect(cog.dit_activation_bytes).toBeGreaterThan(wan.dit_activation_bytes);
  });
});

describe('estimateVram for video', () => {
  it('sizes Wan 1.3B at its default 480×832, 81 frames, with the larger phase as the activation peak', () => {
    const est = estimateVram({
      pipelineClass: 'WanPipeline',
      modelId: 'Wan-AI/Wan2.1-T2V-1.3B-Diffusers',
      components: WAN_13,
    });
    expect(est.family).toBe('wan');
    expect(est.resolution).toBe(832);
    expect(est.video).toMatchObject({ width: 832, height: 480, num_frames: 81, fps: 16 });
    const peak = Math.max(est.video!.dit_activation_bytes, est.video!.vae_decode_bytes);
    expect(est.activation_bytes).toBeGreaterThanOrEqual(peak);
    expect(est.activation_bytes).toBeLessThan(peak + 0.1 * GIB);
    expect(est.vram_bytes).toBeGreaterThan(16 * GIB);
    expect(est.vram_bytes).toBeLessThan(24 * GIB);
  });

  it('lists all-on-GPU, VAE tiling and model offload plans, each needing less', () => {
    const est = estimateVram({ pipelineClass: 'WanPipeline', modelId: 'w/x', components: WAN_13 });
    const plans = est.memory_plans!;
    expect(plans.map((p) => [p.offload, p.vae_tiling])).toEqual([
      ['none', false],
      ['none', true],
      ['model', true],
    ]);
    expect(plans[1]!.need_bytes).toBe(
      est.weights_bytes + Math.ceil((est.vram_bytes - est.weights_bytes) * TILED_ACTIVATION_SHARE),
    );
    // Offload keeps the largest component (the umT5 encoder) resident.
    expect(plans[2]!.need_bytes).toBeGreaterThanOrEqual(5_680_000_000 * 2);
    // ...and never less than the DiT with its own activations on the card.
    const dit = est.components.find((c) => c.name === 'transformer')!.bytes;
    expect(plans[2]!.need_bytes).toBeGreaterThan(dit + est.video!.dit_activation_bytes);
    expect(plans[0]!.need_bytes).toBeGreaterThan(plans[1]!.need_bytes);
    expect(plans[1]!.need_bytes).toBeGreaterThan(plans[2]!.need_bytes);
  });

  it('keeps image families on the all-on-GPU plan only', () => {
    const est = estimateVram({
      pipelineClass: 'StableDiffusionXLPipeline',
      modelId: 'stabilityai/stable-diffusion-xl-base-1.0',
      components: [part('unet', 2_567_463_684)],
    });
    expect(est.memory_plans?.map((p) => p.offload)).toEqual(['none']);
    expect(est.video).toBeUndefined();
  });

  it('counts deploy-time LoRA bytes as weights plus a margin each', () => {
    const base = estimateVram({
      pipelineClass: 'StableDiffusionXLPipeline',
      modelId: 'a/b',
      components: [part('unet', 1e9)],
    });
    const withLoras = estimateVram({
      pipelineClass: 'StableDiffusionXLPipeline',
      modelId: 'a/b',
      components: [part('unet', 1e9)],
      loras: [{ bytes: 400e6 }, { bytes: 100e6 }],
    });
    expect(withLoras.lora_bytes).toBe(500e6);
    expect(withLoras.weights_bytes).toBe(base.weights_bytes + 500e6);
    expect(withLoras.activation_bytes).toBeGreaterThan(base.activation_bytes);
  });
});

describe('CogVideoX-5B under model offload', () => {
  it('needs about what its model card reports with offload and VAE tiling (20.7 GB)', () => {
    const est = estimateVram({
      pipelineClass: 'CogVideoXPipeline',
      modelId: 'THUDM/CogVideoX-5b',
      components: [part('transformer', 5.57e9), part('text_encoder', 4.76e9), part('vae', 2.15e8)],
    });
    const offload = est.memory_plans!.find((p) => p.offload === 'model')!;
    expect(offload.need_bytes / 1e9).toBeGreaterThan(17);
    expect(offload.need_bytes / 1e9).toBeLessThan(23);
  });
});

describe('memoryPlans and selectGpuWithPlan', () => {
  const pool = (id: string, gib: number, price: number): GpuPool =>
    ({
      id,
      memoryGb: gib,
      usableBytes: gib * GIB,
      pricePerHourUsd: price,
      availability: 'HIGH',
    }) as GpuPool;
  const pools = [pool('P16', 16, 0.5), pool('P24', 24, 1), pool('P48', 48, 2), pool('P80', 80, 4)];
  const video = (vramGib: number, weightsGib: number, largestGib: number) => ({
    method: 'safetensors_headers' as const,
    family: 'wan',
    resolution: 832,
    weights_bytes: weightsGib * GIB,
    activation_bytes: 0,
    overhead_bytes: 0,
    vram_bytes: vramGib * GIB,
    components: [],
    memory_plans: memoryPlans({
      family: 'wan',
      vramBytes: vramGib * GIB,
      weightsBytes: weightsGib * GIB,
      largestComponentBytes: largestGib * GIB,
    }),
  });

  it.each([
    // [all-on-GPU GiB, weights GiB, largest component GiB, pool, offload, tiling]
    [14, 10, 6, 'P16', 'none', false], // fits as is
    [19, 14, 11, 'P16', 'none', true], // tiling fits the cheapest
    [50, 37, 26, 'P48', 'none', true], // tiling saves 80 → 48
    [40, 30, 12, 'P24', 'model', true], // only offload reaches 24
    [200, 190, 150, null, null, null], // nothing fits
  ] as const)('%d GiB (%d weights) → %s %s', (vram, weights, largest, poolId, offload, tiling) => {
    const { selection, plan } = selectGpuWithPlan({
      estimate: video(vram, weights, largest),
      pools,
      allowed: null,
    });
    if (poolId === null) {
      expect(selection.kind).toBe('none-fits');
      return;
    }
    expect(selection.kind === 'selected' && selection.pool.id).toBe(poolId);
    expect(plan).toMatchObject({ offload, vae_tiling: tiling });
  });

  it('never picks a heavier plan at the same price', () => {
    const { plan } = selectGpuWithPlan({ estimate: video(10, 6, 4), pools, allowed: null });
    expect(plan.offload).toBe('none');
    expect(plan.vae_tiling).toBe(false);
  });
});
