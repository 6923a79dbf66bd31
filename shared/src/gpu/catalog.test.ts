import {
  STATIC_GPU_POOLS,
  buildCatalog,
  resolveGpuTier,
  usableBytesOf,
  type LiveGpuType,
} from './catalog';

const MIB = 1024 * 1024;
const GIB = 1024 ** 3;

function live(overrides: Partial<LiveGpuType> & { id: string }): LiveGpuType {
  return {
    name: overrides.id,
    pool: null,
    memoryGb: 24,
    serverlessPricePerHour: null,
    availability: null,
    ...overrides,
  };
}

describe('STATIC_GPU_POOLS', () => {
  it('lists the eleven RunPod serverless pools once each', () => {
    const ids = STATIC_GPU_POOLS.map((p) => p.id);
    expect(new Set(ids).size).toBe(11);
    expect(ids).toEqual(
      expect.arrayContaining([
        'AMPERE_16',
        'AMPERE_24',
        'ADA_24',
        'ADA_32_PRO',
        'AMPERE_48',
        'ADA_48_PRO',
        'AMPERE_80',
        'ADA_80_PRO',
        'BLACKWELL_96',
        'HOPPER_141',
        'BLACKWELL_180',
      ]),
    );
  });

  it.each([
    ['AMPERE_16', 0.00016],
    ['AMPERE_24', 0.00019],
    ['ADA_24', 0.00031],
    ['AMPERE_48', 0.00034],
    ['ADA_48_PRO', 0.00053],
    ['AMPERE_80', 0.00076],
    ['ADA_80_PRO', 0.00116],
    ['BLACKWELL_96', 0.00111],
    ['HOPPER_141', 0.00155],
    ['BLACKWELL_180', 0.0024],
  ])('prices %s at $%f per second and 3600 times that per hour', (id, perSecond) => {
    const pool = STATIC_GPU_POOLS.find((p) => p.id === id)!;
    expect(pool.pricePerSecondUsd).toBe(perSecond);
    expect(pool.pricePerHourUsd).toBeCloseTo(perSecond * 3600, 6);
  });

  it('gives every pool the smallest usable memory of its cards, below its nominal class', () => {
    for (const pool of STATIC_GPU_POOLS) {
      expect(pool.cards.length).toBeGreaterThan(0);
      expect(pool.usableBytes).toBe(Math.min(...pool.cards.map((c) => c.usableBytes)));
      expect(pool.usableBytes).toBeLessThan(pool.memoryGb * GIB);
      expect(pool.availability).toBeNull();
    }
  });

  it('is sorted cheapest first', () => {
    const prices = STATIC_GPU_POOLS.map((p) => p.pricePerSecondUsd);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
  });
});

describe('usableBytesOf', () => {
  it.each([
    ['NVIDIA GeForce RTX 3090', 24, 24576],
    ['NVIDIA L4', 24, 23034],
    ['NVIDIA GeForce RTX 4090', 24, 24564],
  ])('plans %s at 98%% of the %d GB card’s reported %d MiB', (id, gb, reportedMib) => {
    expect(usableBytesOf(id, gb)).toBe(Math.floor(reportedMib * 0.98) * MIB);
  });

  it('keeps the 4090 at or under the 23.54 GiB torch reports as its total', () => {
    expect(usableBytesOf('NVIDIA GeForce RTX 4090', 24)).toBeLessThanOrEqual(23.54 * GIB);
  });

  it('assumes 96% of nominal is reported for a card it does not know', () => {
    expect(usableBytesOf('NVIDIA Future 1', 32)).toBe(Math.floor(32 * 1024 * 0.96 * 0.98) * MIB);
  });
});

describe('buildCatalog', () => {
  it('returns the static pools, cheapest first, when there is no live catalog', () => {
    const pools = buildCatalog(null);
    expect(pools.map((p) => p.id)).toEqual(STATIC_GPU_POOLS.map((p) => p.id));
    expect(pools[0]).not.toBe(STATIC_GPU_POOLS[0]);
  });

  it('takes price, membership and the best card availability from the live catalog', () => {
    const pools = buildCatalog([
      live({ id: 'NVIDIA L4', pool: 'ADA_24', serverlessPricePerHour: 1.08, availability: 'LOW' }),
      live({
        id: 'NVIDIA GeForce RTX 4090',
        pool: 'ADA_24',
        serverlessPricePerHour: 1.08,
        availability: 'HIGH',
      }),
    ]);
    const ada = pools.find((p) => p.id === 'ADA_24')!;
    expect(ada.cards.map((c) => c.id)).toEqual(['NVIDIA L4', 'NVIDIA GeForce RTX 4090']);
    expect(ada.pricePerSecondUsd).toBeCloseTo(0.0003, 9);
    expect(ada.pricePerHourUsd).toBe(1.08);
    expect(ada.availability).toBe('HIGH');
    expect(ada.usableBytes).toBe(usableBytesOf('NVIDIA L4', 24));
  });

  it('keeps a static pool the live catalog omits, with unknown availability', () => {
    const pools = buildCatalog([
      live({ id: 'NVIDIA L4', pool: 'AMPERE_24', availability: 'NONE' }),
    ]);
    const a16 = pools.find((p) => p.id === 'AMPERE_16')!;
    expect(a16.availability).toBeNull();
    expect(a16.pricePerSecondUsd).toBe(0.00016);
    expect(pools.find((p) => p.id === 'AMPERE_24')!.availability).toBe('NONE');
  });

  it('keeps the static price when the live entries carry none', () => {
    const pools = buildCatalog([live({ id: 'NVIDIA L4', pool: 'AMPERE_24', availability: 'LOW' })]);
    expect(pools.find((p) => p.id === 'AMPERE_24')!.pricePerSecondUsd).toBe(0.00019);
  });

  it('adds a priced pool only the live catalog knows, and drops an unpriced one', () => {
    const pools = buildCatalog([
      live({ id: 'NVIDIA B300', pool: 'BLACKWELL_288', memoryGb: 288, serverlessPricePerHour: 9 }),
      live({ id: 'NVIDIA X', pool: 'MYSTERY_12', memoryGb: 12 }),
    ]);
    const b300 = pools.find((p) => p.id === 'BLACKWELL_288')!;
    expect(b300.memoryGb).toBe(288);
    expect(b300.pricePerSecondUsd).toBeCloseTo(9 / 3600, 9);
    expect(pools.some((p) => p.id === 'MYSTERY_12')).toBe(false);
  });

  it('ignores live GPU types that belong to no serverless pool', () => {
    const pools = buildCatalog([live({ id: 'NVIDIA RTX A2000', memoryGb: 6, pool: null })]);
    expect(pools.map((p) => p.id)).toEqual(STATIC_GPU_POOLS.map((p) => p.id));
  });

  it('sorts by price, then by usable memory', () => {
    const pools = buildCatalog([
      live({ id: 'NVIDIA L4', pool: 'AMPERE_24', serverlessPricePerHour: 0.576 }),
    ]);
    expect(pools.slice(0, 2).map((p) => p.id)).toEqual(['AMPERE_16', 'AMPERE_24']);
  });
});

describe('resolveGpuTier', () => {
  const pools = buildCatalog(null);

  it.each([
    ['ada_24', ['ADA_24']],
    ['AMPERE_80', ['AMPERE_80']],
    ['economy', ['AMPERE_16']],
    ['STANDARD', ['AMPERE_24', 'ADA_24']],
    ['pro', ['AMPERE_48', 'ADA_32_PRO', 'ADA_48_PRO']],
    ['Ultimate', ['AMPERE_80', 'BLACKWELL_96', 'ADA_80_PRO', 'HOPPER_141', 'BLACKWELL_180']],
    ['A4000', ['AMPERE_16']],
    ['a4500', ['AMPERE_16']],
    ['A16', ['AMPERE_16']],
    ['4080', ['AMPERE_16']],
    ['A10', ['AMPERE_24']],
    ['A30', ['AMPERE_24']],
    ['A5000', ['AMPERE_24']],
    ['RTX 3090', ['AMPERE_24']],
    ['L4', ['AMPERE_24']],
    ['4090', ['ADA_24']],
    ['5090', ['ADA_32_PRO']],
    ['A6000', ['AMPERE_48']],
    ['A40', ['AMPERE_48']],
    ['L40', ['ADA_48_PRO']],
    ['L40S', ['ADA_48_PRO']],
    ['6000ada', ['ADA_48_PRO']],
    ['A100', ['AMPERE_80']],
    ['H100', ['ADA_80_PRO']],
    ['nvidia h200', ['HOPPER_141']],
    ['B200', ['BLACKWELL_180']],
  ])('resolves %s to %j', (tier, expected) => {
    expect(resolveGpuTier(tier, pools)).toEqual(expected);
  });

  it('returns null for a name it does not know', () => {
    expect(resolveGpuTier('TPU', pools)).toBeNull();
  });

  it('follows live membership: L4 listed in ADA_24 maps there too', () => {
    const merged = buildCatalog([
      live({ id: 'NVIDIA L4', pool: 'ADA_24', serverlessPricePerHour: 1.116 }),
      live({ id: 'NVIDIA RTX A5000', pool: 'AMPERE_24', serverlessPricePerHour: 0.684 }),
    ]);
    expect(resolveGpuTier('L4', merged)).toEqual(['ADA_24']);
  });
});
