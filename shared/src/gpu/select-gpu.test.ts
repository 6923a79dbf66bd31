import fc from 'fast-check';
import { estimateVram, type WeightComponent } from '../memory/estimate-vram';
import { buildCatalog, type Availability, type GpuPool } from './catalog';
import { selectGpu } from './select-gpu';

const GIB = 1024 ** 3;
const catalog = buildCatalog(null);

function withStock(stock: Record<string, Availability>): GpuPool[] {
  return catalog.map((p) => ({ ...p, availability: stock[p.id] ?? p.availability }));
}

function f16(name: string, params: number): WeightComponent {
  return { name, className: null, dtype: 'F16', bytes: params * 2, params, files: [] };
}
function bf16(name: string, params: number): WeightComponent {
  return { ...f16(name, params), dtype: 'BF16' };
}

const SD_TURBO = [
  f16('unet', 865_910_724),
  f16('text_encoder', 340_387_840),
  f16('vae', 83_653_863),
];
const SDXL = [
  f16('unet', 2_567_463_684),
  f16('text_encoder', 123_060_480),
  f16('text_encoder_2', 694_659_841),
  f16('vae', 83_653_863),
];
const FLUX = [
  bf16('transformer', 11_901_408_320),
  bf16('text_encoder_2', 4_762_310_656),
  bf16('text_encoder', 123_060_480),
  bf16('vae', 83_819_683),
];

describe('selectGpu with estimateVram', () => {
  it.each([
    ['stabilityai/sd-turbo', 'StableDiffusionPipeline', SD_TURBO, 'AMPERE_16'],
    ['stabilityai/stable-diffusion-xl-base-1.0', 'StableDiffusionXLPipeline', SDXL, 'AMPERE_16'],
    ['black-forest-labs/FLUX.1-dev', 'FluxPipeline', FLUX, 'AMPERE_48'],
    ['black-forest-labs/FLUX.1-schnell', 'FluxPipeline', FLUX, 'AMPERE_48'],
  ])('puts %s on %s', (modelId, pipelineClass, components, pool) => {
    const est = estimateVram({ modelId, pipelineClass, components });
    const sel = selectGpu({ needBytes: est.vram_bytes, pools: catalog, allowed: null });
    expect(sel.kind === 'selected' && sel.pool.id).toBe(pool);
  });

  it.each(['AMPERE_24', 'ADA_24'])('finds FLUX.1 too large for the 24 GB pool %s', (id) => {
    const est = estimateVram({
      modelId: 'black-forest-labs/FLUX.1-dev',
      pipelineClass: 'FluxPipeline',
      components: FLUX,
    });
    const sel = selectGpu({ needBytes: est.vram_bytes, pools: catalog, allowed: [id] });
    expect(sel.kind).toBe('none-fits');
  });
});

describe('selectGpu', () => {
  it('chooses the cheapest pool that fits and lists the next two as fallbacks', () => {
    const sel = selectGpu({ needBytes: 30 * GIB, pools: catalog, allowed: null });
    expect(sel.kind).toBe('selected');
    if (sel.kind !== 'selected') return;
    expect(sel.pool.id).toBe('AMPERE_48');
    expect(sel.fallbacks.map((p) => p.id)).toEqual(['ADA_32_PRO', 'ADA_48_PRO']);
  });

  it('explains the cheaper pools it passed over, in GiB', () => {
    const sel = selectGpu({ needBytes: 20 * GIB, pools: catalog, allowed: null });
    expect(sel.skipped).toEqual([
      { pool: 'AMPERE_16', reason: '16 GB class: 15.6 GiB usable < 20.0 GiB needed' },
    ]);
  });

  it('skips a pool whose availability is NONE', () => {
    const sel = selectGpu({
      needBytes: 4 * GIB,
      pools: withStock({ AMPERE_16: 'NONE' }),
      allowed: null,
    });
    expect(sel.kind === 'selected' && sel.pool.id).toBe('AMPERE_24');
    expect(sel.skipped).toEqual([{ pool: 'AMPERE_16', reason: 'no serverless stock' }]);
  });

  it('treats unknown availability as in stock', () => {
    const sel = selectGpu({ needBytes: 4 * GIB, pools: catalog, allowed: null });
    expect(sel.kind === 'selected' && sel.pool.id).toBe('AMPERE_16');
  });

  it('reports no-stock when every fitting allowed pool has availability NONE', () => {
    const sel = selectGpu({
      needBytes: 20 * GIB,
      pools: withStock({ AMPERE_24: 'NONE', ADA_24: 'NONE' }),
      allowed: ['AMPERE_16', 'AMPERE_24', 'ADA_24'],
    });
    expect(sel).toEqual({
      kind: 'no-stock',
      needBytes: 20 * GIB,
      skipped: [
        { pool: 'AMPERE_16', reason: '16 GB class: 15.6 GiB usable < 20.0 GiB needed' },
        { pool: 'AMPERE_24', reason: 'no serverless stock' },
        { pool: 'ADA_24', reason: 'no serverless stock' },
      ],
    });
  });

  it('reports none-fits with the largest usable memory among the allowed pools', () => {
    const sel = selectGpu({
      needBytes: 40 * GIB,
      pools: catalog,
      allowed: ['AMPERE_16', 'ADA_24'],
    });
    expect(sel.kind).toBe('none-fits');
    if (sel.kind !== 'none-fits') return;
    expect(sel.largestUsableBytes).toBe(catalog.find((p) => p.id === 'ADA_24')!.usableBytes);
    expect(sel.skipped.map((s) => s.pool)).toEqual(['AMPERE_16', 'ADA_24']);
  });

  it('reports none-fits when the model exceeds every pool', () => {
    const sel = selectGpu({ needBytes: 500 * GIB, pools: catalog, allowed: null });
    expect(sel).toMatchObject({
      kind: 'none-fits',
      largestUsableBytes: catalog.at(-1)!.usableBytes,
    });
  });

  it('keeps the user’s order for explicit pools', () => {
    const sel = selectGpu({
      needBytes: 4 * GIB,
      pools: catalog,
      allowed: ['ADA_24', 'AMPERE_16', 'AMPERE_48'],
      keepAllowedOrder: true,
    });
    expect(sel.kind === 'selected' && [sel.pool.id, ...sel.fallbacks.map((p) => p.id)]).toEqual([
      'ADA_24',
      'AMPERE_16',
      'AMPERE_48',
    ]);
  });

  it('sorts an allowed set by price when the order is not the user’s', () => {
    const sel = selectGpu({ needBytes: 4 * GIB, pools: catalog, allowed: ['ADA_24', 'AMPERE_16'] });
    expect(sel.kind === 'selected' && sel.pool.id).toBe('AMPERE_16');
  });

  it('names an allowed pool the catalog does not have', () => {
    const sel = selectGpu({ needBytes: 4 * GIB, pools: catalog, allowed: ['AMPERE_16', 'TPU_V5'] });
    expect(sel.skipped).toEqual([{ pool: 'TPU_V5', reason: 'not in the GPU catalog' }]);
  });

  it.each([0, 1, 2])('returns at most %d fallbacks', (maxFallbacks) => {
    const sel = selectGpu({ needBytes: GIB, pools: catalog, allowed: null, maxFallbacks });
    expect(sel.kind === 'selected' && sel.fallbacks.length).toBe(maxFallbacks);
  });
});

const availabilityArb = fc.constantFrom<Availability | null>(null, 'NONE', 'LOW', 'MEDIUM', 'HIGH');
const poolsArb = fc
  .array(
    fc.record({
      usableGiB: fc.integer({ min: 8, max: 200 }),
      priceMicros: fc.integer({ min: 100, max: 3000 }),
      availability: availabilityArb,
    }),
    { minLength: 1, maxLength: 12 },
  )
  .map((rows) =>
    rows.map((r, i): GpuPool => ({
      id: `POOL_${i}`,
      memoryGb: r.usableGiB,
      cards: [],
      usableBytes: r.usableGiB * GIB,
      pricePerSecondUsd: r.priceMicros / 1e6,
      pricePerHourUsd: (r.priceMicros / 1e6) * 3600,
      availability: r.availability,
    })),
  );
const inputArb = poolsArb.chain((pools) =>
  fc.record({
    pools: fc.constant(pools),
    needBytes: fc.integer({ min: 1, max: 220 * GIB }),
    allowed: fc.option(fc.subarray(pools.map((p) => p.id)), { nil: null }),
    keepAllowedOrder: fc.boolean(),
    maxFallbacks: fc.integer({ min: 0, max: 4 }),
  }),
);

describe('selectGpu properties', () => {
  it('never chooses a pool pricier than another feasible in-stock allowed pool', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const sel = selectGpu({ ...input, keepAllowedOrder: false });
        if (sel.kind !== 'selected') return;
        const feasible = input.pools.filter(
          (p) =>
            (input.allowed === null || input.allowed.includes(p.id)) &&
            p.usableBytes >= input.needBytes &&
            p.availability !== 'NONE',
        );
        for (const p of feasible)
          expect(sel.pool.pricePerSecondUsd).toBeLessThanOrEqual(p.pricePerSecondUsd);
      }),
    );
  });

  it('chooses and falls back only to allowed pools that fit and are in stock, each once', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const sel = selectGpu(input);
        if (sel.kind !== 'selected') return;
        const chosen = [sel.pool, ...sel.fallbacks];
        for (const p of chosen) {
          expect(p.usableBytes).toBeGreaterThanOrEqual(input.needBytes);
          expect(p.availability).not.toBe('NONE');
          if (input.allowed !== null) expect(input.allowed).toContain(p.id);
        }
        expect(new Set(chosen.map((p) => p.id)).size).toBe(chosen.length);
        expect(sel.fallbacks.length).toBeLessThanOrEqual(input.maxFallbacks);
      }),
    );
  });

  it('selects whenever some allowed pool fits and is in stock', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const sel = selectGpu(input);
        const anyFeasible = input.pools.some(
          (p) =>
            (input.allowed === null || input.allowed.includes(p.id)) &&
            p.usableBytes >= input.needBytes &&
            p.availability !== 'NONE',
        );
        expect(sel.kind === 'selected').toBe(anyFeasible);
      }),
    );
  });
});
