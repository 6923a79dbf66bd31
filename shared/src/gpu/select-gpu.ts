import { sortPools, type GpuPool } from './catalog';

/** A pool left out of the choice, and why, in words a user can act on. */
export interface SkippedPool {
  pool: string;
  reason: string;
}

/**
 * The outcome of choosing pools for a model. `none-fits` maps to MODEL_TOO_LARGE; `no-stock`
 * (something fits, but every fitting pool reports availability NONE) maps to NO_CAPACITY.
 */
export type GpuSelection =
  | { kind: 'selected'; pool: GpuPool; fallbacks: GpuPool[]; skipped: SkippedPool[] }
  | { kind: 'none-fits'; needBytes: number; largestUsableBytes: number; skipped: SkippedPool[] }
  | { kind: 'no-stock'; needBytes: number; skipped: SkippedPool[] };

export interface SelectGpuInput {
  /** Peak VRAM the model needs, from the estimate. */
  needBytes: number;
  /** The catalog, from `buildCatalog`. */
  pools: readonly GpuPool[];
  /** Pool ids the user narrowed to (gpu_tier or gpu_pools); null = every pool. */
  allowed: readonly string[] | null;
  /** True for explicit gpu_pools: the user's order is the priority. Else cheapest first. */
  keepAllowedOrder?: boolean;
  /** Most fallback pools after the chosen one; default 2 (RunPod takes at most 3 pools). */
  maxFallbacks?: number;
}

const GIB = 1024 ** 3;

/** GiB to one decimal; callers round usable down and need up, so a too-small pool never looks big enough. */
function gib(bytes: number, round: (x: number) => number): string {
  return `${(round((bytes / GIB) * 10) / 10).toFixed(1)} GiB`;
}

function fits(pool: GpuPool, needBytes: number): boolean {
  return pool.usableBytes >= needBytes;
}

function inStock(pool: GpuPool): boolean {
  return pool.availability !== 'NONE';
}

function tooSmallReason(pool: GpuPool, needBytes: number): string {
  return `${pool.memoryGb} GB class: ${gib(pool.usableBytes, Math.floor)} usable < ${gib(needBytes, Math.ceil)} needed`;
}

const NO_STOCK_REASON = 'no serverless stock';

/**
 * Picks the first pool (cheapest, or in the user's order) whose usable memory covers `needBytes`
 * and whose availability is not NONE, plus up to `maxFallbacks` more such pools in the same order.
 * Unknown availability (`null`) counts as in stock. `skipped` explains only what a user would
 * ask about: every allowed pool when the user narrowed the set, else the pools ahead of the choice.
 * Pure; never throws for an expected outcome.
 */
export function selectGpu(input: SelectGpuInput): GpuSelection {
  const { needBytes, allowed } = input;
  const maxFallbacks = Math.max(0, input.maxFallbacks ?? 2);
  const byId = new Map(input.pools.map((p) => [p.id, p]));
  const skipped: SkippedPool[] = [];
  let candidates: GpuPool[];
  if (allowed === null) {
    candidates = sortPools(input.pools);
  } else {
    candidates = [];
    for (const id of new Set(allowed)) {
      const p = byId.get(id);
      if (p === undefined) skipped.push({ pool: id, reason: 'not in the GPU catalog' });
      else candidates.push(p);
    }
    if (input.keepAllowedOrder !== true) candidates = sortPools(candidates);
  }

  const usable = candidates.filter((p) => fits(p, needBytes) && inStock(p));
  const [chosen, ...rest] = usable;
  const narrowed = allowed !== null;
  const chosenIndex = chosen === undefined ? candidates.length : candidates.indexOf(chosen);
  candidates.forEach((p, i) => {
    if (p === chosen || usable.includes(p)) return;
    const ahead = i < chosenIndex;
    if (!fits(p, needBytes)) {
      if (narrowed || (ahead && chosen !== undefined))
        skipped.push({ pool: p.id, reason: tooSmallReason(p, needBytes) });
    } else if (narrowed || ahead || chosen === undefined) {
      skipped.push({ pool: p.id, reason: NO_STOCK_REASON });
    }
  });

  if (chosen !== undefined) {
    return { kind: 'selected', pool: chosen, fallbacks: rest.slice(0, maxFallbacks), skipped };
  }
  if (candidates.some((p) => fits(p, needBytes))) return { kind: 'no-stock', needBytes, skipped };
  const largestUsableBytes = Math.max(0, ...candidates.map((p) => p.usableBytes));
  return { kind: 'none-fits', needBytes, largestUsableBytes, skipped };
}
