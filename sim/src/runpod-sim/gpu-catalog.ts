/**
 * The simulator's GPU catalog: RunPod serverless pools, their member cards (ids as RunPod spells
 * them) and the serverless list price per GPU-hour from the pricing table in external-apis.md.
 */

export interface SimGpuCard {
  id: string;
  name: string;
  memoryGb: number;
}

export interface SimGpuPool {
  id: string;
  /** Serverless $/GPU-hour; null where RunPod's table has no price (the catalog then omits it). */
  pricePerHour: number | null;
  cards: SimGpuCard[];
}

const card = (id: string, name: string, memoryGb: number): SimGpuCard => ({ id, name, memoryGb });

/** Pools in ascending price order; a card belongs to exactly one pool. */
export const SIM_GPU_POOLS: readonly SimGpuPool[] = [
  {
    id: 'AMPERE_16',
    pricePerHour: 0.576,
    cards: [
      card('NVIDIA RTX A4000', 'RTX A4000', 16),
      card('NVIDIA RTX A4500', 'RTX A4500', 20),
      card('NVIDIA RTX 4000 Ada Generation', 'RTX 4000 Ada', 20),
      card('NVIDIA RTX 2000 Ada Generation', 'RTX 2000 Ada', 16),
    ],
  },
  {
    id: 'AMPERE_24',
    pricePerHour: 0.684,
    cards: [
      card('NVIDIA RTX A5000', 'RTX A5000', 24),
      card('NVIDIA L4', 'L4', 24),
      card('NVIDIA GeForce RTX 3090', 'RTX 3090', 24),
    ],
  },
  { id: 'ADA_24', pricePerHour: 1.116, cards: [card('NVIDIA GeForce RTX 4090', 'RTX 4090', 24)] },
  {
    id: 'ADA_32_PRO',
    pricePerHour: null,
    cards: [card('NVIDIA GeForce RTX 5090', 'RTX 5090', 32)],
  },
  {
    id: 'AMPERE_48',
    pricePerHour: 1.224,
    cards: [card('NVIDIA RTX A6000', 'RTX A6000', 48), card('NVIDIA A40', 'A40', 48)],
  },
  {
    id: 'ADA_48_PRO',
    pricePerHour: 1.908,
    cards: [
      card('NVIDIA L40', 'L40', 48),
      card('NVIDIA L40S', 'L40S', 48),
      card('NVIDIA RTX 6000 Ada Generation', 'RTX 6000 Ada', 48),
    ],
  },
  {
    id: 'AMPERE_80',
    pricePerHour: 2.736,
    cards: [
      card('NVIDIA A100 80GB PCIe', 'A100 PCIe', 80),
      card('NVIDIA A100-SXM4-80GB', 'A100 SXM', 80),
    ],
  },
  {
    id: 'ADA_80_PRO',
    pricePerHour: 4.176,
    cards: [
      card('NVIDIA H100 PCIe', 'H100 PCIe', 80),
      card('NVIDIA H100 80GB HBM3', 'H100 SXM', 80),
    ],
  },
  {
    id: 'BLACKWELL_96',
    pricePerHour: 3.996,
    cards: [card('NVIDIA RTX PRO 6000 Blackwell Server Edition', 'RTX PRO 6000', 96)],
  },
  { id: 'HOPPER_141', pricePerHour: 5.58, cards: [card('NVIDIA H200', 'H200 SXM', 141)] },
  { id: 'BLACKWELL_180', pricePerHour: 8.64, cards: [card('NVIDIA B200', 'B200', 180)] },
];

/** The pool with this id, or undefined for an id RunPod would reject. */
export function findPool(id: string): SimGpuPool | undefined {
  return SIM_GPU_POOLS.find((p) => p.id === id);
}

/** Stock level RunPod reports for a pool with `free` GPUs (Infinity = unlimited). */
export function availabilityOf(free: number): 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' {
  if (free <= 0) return 'NONE';
  if (free < 3) return 'LOW';
  if (free < 10) return 'MEDIUM';
  return 'HIGH';
}

/**
 * The `ListGpuTypesResponse` body. `freeByPool` is consulted only when availability is requested;
 * pod prices are a fixed fraction of the serverless price, since nothing here rents pods.
 */
export function gpuCatalogBody(freeByPool: ((pool: string) => number) | null): {
  gpus: Record<string, unknown>[];
} {
  const gpus = SIM_GPU_POOLS.flatMap((pool) =>
    pool.cards.map((c) => {
      const base = pool.pricePerHour ?? 1;
      const price: Record<string, number> = {
        secure: round(base * 0.8),
        community: round(base * 0.6),
      };
      if (pool.pricePerHour !== null) price.serverless = pool.pricePerHour;
      const gpu: Record<string, unknown> = {
        id: c.id,
        name: c.name,
        pool: pool.id,
        manufacturer: 'NVIDIA',
        memory: c.memoryGb,
        secure: true,
        community: true,
        price,
        maxCount: { secure: 8, community: 8 },
      };
      if (freeByPool) gpu.availability = availabilityOf(freeByPool(pool.id));
      return gpu;
    }),
  );
  return { gpus };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
