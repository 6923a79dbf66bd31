import type { EstimateResult } from '@visgate/shared';
import { positional } from '../args';
import { printJson, printList, type Ctx } from '../context';
import { deploymentBody } from '../deployment-body';
import { EXIT } from '../errors';
import { formatTable } from '../render';

const GB = 1e9;
const GIB = 1024 ** 3;

interface GpuPool {
  pool: string;
  memory_gb: number;
  usable_vram_bytes: number;
  price_per_hour_usd: number;
  availability: string;
  cards: { id: string; name: string }[];
}

/** `visgate gpus`: RunPod's serverless pools, their VRAM, price and stock (live with a key). */
export async function gpus(ctx: Ctx): Promise<number> {
  const res = await ctx.client.request<{ source: string; data: GpuPool[] }>(
    'GET',
    '/v1/gpus',
    undefined,
    { anonymous: ctx.config.apiKey === null },
  );
  if (ctx.flags.json) {
    printJson(ctx, res);
    return EXIT.ok;
  }
  printList(ctx, res.data, 'GPU pools', ['POOL', 'VRAM', 'PRICE', 'STOCK', 'CARDS'], (p) => [
    p.pool,
    `${p.memory_gb} GB`,
    `$${p.price_per_hour_usd.toFixed(3)}/h`,
    p.availability,
    p.cards.map((c) => c.name).join(', '),
  ]);
  if (res.source !== 'live') ctx.stderr.write('(static catalog: pass a key for live stock)\n');
  return EXIT.ok;
}

interface ModelSpec {
  hf_model_id: string;
  family: string;
  weights_bytes: number;
  vram_bytes: number;
  gated: boolean;
  supported: boolean;
}

/** `visgate models`: the models the service knows (sizes without asking the Hub). */
export async function models(ctx: Ctx): Promise<number> {
  const res = await ctx.client.request<{ data: ModelSpec[] }>('GET', '/v1/models', undefined, {
    anonymous: ctx.config.apiKey === null,
  });
  printList(
    ctx,
    res.data,
    'models',
    ['MODEL', 'FAMILY', 'WEIGHTS', 'VRAM', 'GATED', 'SUPPORTED'],
    (m) => [
      m.hf_model_id,
      m.family,
      `${(m.weights_bytes / GB).toFixed(2)} GB`,
      `${(m.vram_bytes / GIB).toFixed(1)} GiB`,
      m.gated ? 'yes' : 'no',
      m.supported ? 'yes' : 'no',
    ],
  );
  return EXIT.ok;
}

/**
 * `visgate estimate <model> [deploy flags]`: a dry run of `deploy` — the Hub's facts, the VRAM
 * estimate, the pool it would pick with its fallbacks, and the price per hour. Creates nothing.
 */
export async function estimate(ctx: Ctx): Promise<number> {
  const model = positional(ctx.positionals, 0, 'model');
  const e = await ctx.client.request<EstimateResult>(
    'POST',
    '/v1/estimates',
    deploymentBody(ctx, model),
  );
  if (ctx.flags.json) {
    printJson(ctx, e);
    return EXIT.ok;
  }
  const rows = [
    ['model', `${e.hf_model_id}${e.revision_sha ? ` @ ${e.revision_sha.slice(0, 12)}` : ''}`],
    ['pipeline', e.pipeline],
    ['weights', `${(e.estimate.weights_bytes / GB).toFixed(2)} GB`],
    [
      'VRAM',
      `${(e.estimate.vram_bytes / GIB).toFixed(1)} GiB at ${e.estimate.resolution} px (${e.estimate.method})`,
    ],
    ...(e.estimate.video
      ? [
          [
            'video',
            `${e.estimate.video.width}×${e.estimate.video.height}, ${e.estimate.video.num_frames} frames at ${e.estimate.video.fps} fps`,
          ],
        ]
      : []),
    ['task', e.task],
    ...(e.loras.length
      ? [['adapters', e.loras.map((l) => `${l.hf_repo} ×${l.scale}`).join(', ')]]
      : []),
    ['GPU', `${e.gpu.pool} (${(e.gpu.usable_vram_bytes / GIB).toFixed(1)} GiB usable)`],
    ['memory plan', e.gpu.memory_plan.reason],
    ['fallbacks', e.gpu.fallback_pools.join(', ') || '-'],
    ['price', `$${e.gpu.price_per_hour_usd.toFixed(3)}/h per worker (${e.catalog} catalog)`],
    ...(e.model.gated ? [['gated', 'yes: deploy needs --hf-token (or HF_TOKEN)']] : []),
  ];
  ctx.stdout.write(`${formatTable(rows)}\n`);
  return EXIT.ok;
}
