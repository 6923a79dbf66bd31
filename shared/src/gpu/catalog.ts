/** GPU availability as RunPod's catalog reports stock; `null` elsewhere means "unknown". */
export type Availability = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';

/** One GPU type inside a serverless pool. `usableBytes` is what a process can allocate on it. */
export interface GpuCard {
  id: string;
  name: string;
  memoryGb: number;
  usableBytes: number;
}

/** A RunPod serverless GPU pool (what `gpuIds` / `gpu.pools` take), priced per GPU-second. */
export interface GpuPool {
  id: string;
  memoryGb: number;
  cards: GpuCard[];
  /** Minimum `usableBytes` over `cards`: a worker may land on any of them. */
  usableBytes: number;
  pricePerSecondUsd: number;
  pricePerHourUsd: number;
  availability: Availability | null;
}

/** Same shape as a RunPod `GET /v2/catalog/gpus` entry in our terms. */
export interface LiveGpuType {
  id: string;
  name: string;
  pool: string | null;
  memoryGb: number;
  serverlessPricePerHour: number | null;
  availability: Availability | null;
}

const MIB = 1024 * 1024;

/**
 * Share of the driver-reported memory that the estimate may plan against. The CUDA context is
 * counted by the estimator itself; this 2% covers what the driver and PyTorch's caching allocator
 * keep back beyond it (4090: nvidia-smi 24564 MiB, torch "total capacity of 23.54 GiB").
 */
export const USABLE_SHARE = 0.98;

/**
 * Share of nominal memory the driver reports for a card we have no figure for: ECC cards lose
 * ~6% (L4: 23034 MiB of 24 GiB), consumer cards ~0.1%; 4% is the middle, rounded cautiously.
 */
export const UNKNOWN_CARD_REPORTED_SHARE = 0.96;

/** Memory the driver reports (nvidia-smi `memory.total`, MiB) for the cards RunPod pools hold. */
const REPORTED_MIB: Record<string, number> = {
  'NVIDIA RTX A4000': 16376,
  'NVIDIA RTX A4500': 20470,
  'NVIDIA RTX 2000 Ada Generation': 16380,
  'NVIDIA RTX 4000 Ada Generation': 20475,
  'NVIDIA L4': 23034,
  'NVIDIA RTX A5000': 24564,
  'NVIDIA GeForce RTX 3090': 24576,
  'NVIDIA GeForce RTX 4090': 24564,
  'NVIDIA GeForce RTX 5090': 32607,
  'NVIDIA RTX A6000': 49140,
  'NVIDIA A40': 46068,
  'NVIDIA L40': 46068,
  'NVIDIA L40S': 46068,
  'NVIDIA RTX 6000 Ada Generation': 49140,
  'NVIDIA A100 80GB PCIe': 81920,
  'NVIDIA A100-SXM4-80GB': 81920,
  'NVIDIA H100 PCIe': 81559,
  'NVIDIA H100 80GB HBM3': 81559,
  'NVIDIA RTX PRO 6000 Blackwell Server Edition': 97887,
  'NVIDIA RTX PRO 6000 Blackwell Workstation Edition': 97887,
  'NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition': 97887,
  'NVIDIA H200': 143771,
  'NVIDIA B200': 183359,
};

/**
 * Bytes a model may plan to occupy on a card: the driver-reported memory (known figure, else
 * 96% of nominal) times {@link USABLE_SHARE}, floored to whole MiB.
 */
export function usableBytesOf(cardId: string, memoryGb: number): number {
  const reportedMib = REPORTED_MIB[cardId] ?? memoryGb * 1024 * UNKNOWN_CARD_REPORTED_SHARE;
  return Math.floor(reportedMib * USABLE_SHARE) * MIB;
}

function card(id: string, name: string, memoryGb: number): GpuCard {
  return { id, name, memoryGb, usableBytes: usableBytesOf(id, memoryGb) };
}

function pool(id: string, memoryGb: number, pricePerSecondUsd: number, cards: GpuCard[]): GpuPool {
  return {
    id,
    memoryGb,
    cards,
    usableBytes: Math.min(...cards.map((c) => c.usableBytes)),
    pricePerSecondUsd,
    pricePerHourUsd: roundUsd(pricePerSecondUsd * 3600),
    availability: null,
  };
}

function roundUsd(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * RunPod's serverless pools with their member cards and flex prices (pricing table 2026-06-08;
 * ADA_32_PRO is absent there, so it carries the 2025 page's $0.00044/s). Availability is unknown
 * (`null`) until a live catalog says otherwise. Sorted cheapest first.
 */
export const STATIC_GPU_POOLS: readonly GpuPool[] = [
  pool('AMPERE_16', 16, 0.00016, [
    card('NVIDIA RTX A4000', 'RTX A4000', 16),
    card('NVIDIA RTX A4500', 'RTX A4500', 20),
    card('NVIDIA RTX 4000 Ada Generation', 'RTX 4000 Ada', 20),
    card('NVIDIA RTX 2000 Ada Generation', 'RTX 2000 Ada', 16),
  ]),
  pool('AMPERE_24', 24, 0.00019, [
    card('NVIDIA L4', 'L4', 24),
    card('NVIDIA RTX A5000', 'RTX A5000', 24),
    card('NVIDIA GeForce RTX 3090', 'RTX 3090', 24),
  ]),
  pool('ADA_24', 24, 0.00031, [card('NVIDIA GeForce RTX 4090', 'RTX 4090', 24)]),
  pool('AMPERE_48', 48, 0.00034, [
    card('NVIDIA RTX A6000', 'RTX A6000', 48),
    card('NVIDIA A40', 'A40', 48),
  ]),
  pool('ADA_32_PRO', 32, 0.00044, [card('NVIDIA GeForce RTX 5090', 'RTX 5090', 32)]),
  pool('ADA_48_PRO', 48, 0.00053, [
    card('NVIDIA L40', 'L40', 48),
    card('NVIDIA L40S', 'L40S', 48),
    card('NVIDIA RTX 6000 Ada Generation', 'RTX 6000 Ada', 48),
  ]),
  pool('AMPERE_80', 80, 0.00076, [
    card('NVIDIA A100 80GB PCIe', 'A100 80GB PCIe', 80),
    card('NVIDIA A100-SXM4-80GB', 'A100 80GB SXM', 80),
  ]),
  pool('BLACKWELL_96', 96, 0.00111, [
    card('NVIDIA RTX PRO 6000 Blackwell Server Edition', 'RTX PRO 6000 Server', 96),
    card('NVIDIA RTX PRO 6000 Blackwell Workstation Edition', 'RTX PRO 6000 WS', 96),
    card('NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition', 'RTX PRO 6000 Max-Q', 96),
  ]),
  pool('ADA_80_PRO', 80, 0.00116, [
    card('NVIDIA H100 PCIe', 'H100 PCIe', 80),
    card('NVIDIA H100 80GB HBM3', 'H100 SXM', 80),
  ]),
  pool('HOPPER_141', 141, 0.00155, [card('NVIDIA H200', 'H200', 141)]),
  pool('BLACKWELL_180', 180, 0.0024, [card('NVIDIA B200', 'B200', 180)]),
];

const AVAILABILITY_RANK: Record<Availability, number> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };

function bestAvailability(values: readonly (Availability | null)[]): Availability | null {
  let best: Availability | null = null;
  for (const v of values) {
    if (v !== null && (best === null || AVAILABILITY_RANK[v] > AVAILABILITY_RANK[best])) best = v;
  }
  return best;
}

/** Orders pools cheapest first, then smallest usable memory first. Returns a new array. */
export function sortPools(pools: readonly GpuPool[]): GpuPool[] {
  return [...pools].sort(
    (a, b) => a.pricePerSecondUsd - b.pricePerSecondUsd || a.usableBytes - b.usableBytes,
  );
}

function liveCard(t: LiveGpuType): GpuCard {
  return card(t.id, t.name, t.memoryGb);
}

function poolFromLive(
  id: string,
  members: readonly LiveGpuType[],
  base: GpuPool | undefined,
): GpuPool | null {
  const cards = members.map(liveCard);
  const prices = members
    .map((m) => m.serverlessPricePerHour)
    .filter((p): p is number => p !== null && p > 0);
  // A pool has one price; if cards disagree, plan with the highest so the quote never understates.
  const perHour = prices.length > 0 ? Math.max(...prices) : base?.pricePerHourUsd;
  if (perHour === undefined) return null;
  const classGb = /_(\d+)(?:_|$)/.exec(id)?.[1];
  return {
    id,
    memoryGb:
      base?.memoryGb ??
      (classGb === undefined ? Math.min(...cards.map((c) => c.memoryGb)) : Number(classGb)),
    cards,
    usableBytes: Math.min(...cards.map((c) => c.usableBytes)),
    // Rounded so that $0.576/h compares equal to the static $0.00016/s.
    pricePerSecondUsd:
      prices.length > 0
        ? Math.round((perHour / 3600) * 1e12) / 1e12
        : (base?.pricePerSecondUsd ?? 0),
    pricePerHourUsd: perHour,
    availability: bestAvailability(members.map((m) => m.availability)),
  };
}

/**
 * Merges the live RunPod catalog into the static pools. For a pool the live list mentions, live
 * membership, price (per hour / 3600; the highest card price if they differ) and best card
 * availability win; a static pool the live list omits keeps its data with availability `null`;
 * a live-only pool is added (and dropped if it has no price). Live types with no pool are ignored.
 * Sorted by price per second, then usable bytes, ascending. Pure: the inputs are not modified.
 */
export function buildCatalog(
  live: readonly LiveGpuType[] | null,
  staticPools: readonly GpuPool[] = STATIC_GPU_POOLS,
): GpuPool[] {
  const statics = staticPools.map((p) => ({ ...p, cards: [...p.cards], availability: null }));
  if (live === null) return sortPools(statics);
  const byPool = new Map<string, LiveGpuType[]>();
  for (const t of live) {
    if (t.pool === null) continue;
    byPool.set(t.pool, [...(byPool.get(t.pool) ?? []), t]);
  }
  const out: GpuPool[] = [];
  for (const p of statics) {
    const members = byPool.get(p.id);
    out.push(members === undefined ? p : (poolFromLive(p.id, members, p) ?? p));
    byPool.delete(p.id);
  }
  for (const [id, members] of byPool) {
    const added = poolFromLive(id, members, undefined);
    if (added !== null) out.push(added);
  }
  return sortPools(out);
}

/** The seed's tier names, by nominal pool memory class (GB, inclusive bounds). */
const TIERS: Record<string, { minGb: number; maxGb: number }> = {
  ECONOMY: { minGb: 0, maxGb: 16 },
  STANDARD: { minGb: 17, maxGb: 24 },
  PRO: { minGb: 25, maxGb: 48 },
  ULTIMATE: { minGb: 49, maxGb: Number.POSITIVE_INFINITY },
};

/**
 * Card aliases from the seed and its README. `card` matches catalog card ids (case-insensitive,
 * word-bounded); `otherwise` names the pools to use when no catalog pool holds such a card (the
 * README's A16/A10/A30 and the seed's 4080 are not in RunPod's serverless pools).
 */
const ALIASES: Record<string, { card: RegExp; otherwise: readonly string[] }> = {
  A4000: { card: /\bA4000\b/i, otherwise: ['AMPERE_16'] },
  A4500: { card: /\bA4500\b/i, otherwise: ['AMPERE_16'] },
  A16: { card: /\bA16\b/i, otherwise: ['AMPERE_16'] },
  '4080': { card: /\b4080\b/i, otherwise: ['AMPERE_16'] },
  A10: { card: /\bA10\b/i, otherwise: ['AMPERE_24'] },
  A30: { card: /\bA30\b/i, otherwise: ['AMPERE_24'] },
  A5000: { card: /\bA5000\b/i, otherwise: ['AMPERE_24'] },
  '3090': { card: /\b3090\b/i, otherwise: ['AMPERE_24'] },
  L4: { card: /\bL4$/i, otherwise: ['AMPERE_24'] },
  '4090': { card: /\b4090\b/i, otherwise: ['ADA_24'] },
  '5090': { card: /\b5090\b/i, otherwise: ['ADA_32_PRO'] },
  A6000: { card: /\bA6000\b/i, otherwise: ['AMPERE_48'] },
  A40: { card: /\bA40$/i, otherwise: ['AMPERE_48'] },
  L40: { card: /\bL40$/i, otherwise: ['ADA_48_PRO'] },
  L40S: { card: /\bL40S$/i, otherwise: ['ADA_48_PRO'] },
  '6000ADA': { card: /\b6000 Ada\b/i, otherwise: ['ADA_48_PRO'] },
  A100: { card: /\bA100\b/i, otherwise: ['AMPERE_80'] },
  H100: { card: /\bH100\b/i, otherwise: ['ADA_80_PRO'] },
  H200: { card: /\bH200\b/i, otherwise: ['HOPPER_141'] },
  B200: { card: /\bB200\b/i, otherwise: ['BLACKWELL_180'] },
};

/** Every name `gpu_tier` accepts besides a pool id: the seed's tiers, then the card aliases. */
export const GPU_TIER_NAMES: readonly string[] = [...Object.keys(TIERS), ...Object.keys(ALIASES)];

/**
 * Resolves a user's `gpu_tier` to pool ids, cheapest first, or `null` when the name is unknown.
 * Accepts (case-insensitively, spaces/dashes ignored) a pool id, a seed tier name (ECONOMY ≤16 GB,
 * STANDARD 24, PRO 32–48, ULTIMATE 80+) or a card alias; an alias maps to every pool holding a
 * matching card. Only pools present in `pools` are returned; the result may be empty.
 */
export function resolveGpuTier(tier: string, pools: readonly GpuPool[]): string[] | null {
  const key = tier.trim().toUpperCase();
  const sorted = sortPools(pools);
  const poolHit = sorted.find((p) => p.id.toUpperCase() === key);
  if (poolHit !== undefined) return [poolHit.id];
  const compact = key.replace(/[\s_-]+/g, '').replace(/^(NVIDIA|RTX|GEFORCE)+/, '');
  const range = TIERS[compact];
  if (range !== undefined) {
    return sorted
      .filter((p) => p.memoryGb >= range.minGb && p.memoryGb <= range.maxGb)
      .map((p) => p.id);
  }
  const alias = ALIASES[compact];
  if (alias === undefined) return null;
  const holding = sorted.filter((p) => p.cards.some((c) => alias.card.test(c.id)));
  if (holding.length > 0) return holding.map((p) => p.id);
  return sorted.filter((p) => alias.otherwise.includes(p.id)).map((p) => p.id);
}
