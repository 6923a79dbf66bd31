import { describeProgress, type DeploymentStatus, type PublicDeployment } from '@visgate/shared';
import { positional } from '../args';
import { fetchAllPages, printJson, printList, type Ctx } from '../context';
import { CliError } from '../errors';
import { followDeployment } from '../follow';
import { createProgress } from '../render';

const path = (id: string): string => `/v1/deployments/${encodeURIComponent(id)}`;

/** `visgate ls [--status S] [--json]`: the caller's deployments, newest first (all pages). */
export async function list(ctx: Ctx): Promise<void> {
  const docs = await fetchAllPages<PublicDeployment>(ctx, '/v1/deployments');
  printList(ctx, docs, 'deployments', ['ID', 'STATUS', 'MODEL', 'GPU', 'PRICE', 'CREATED'], (d) => [
    d.deployment_id,
    d.status,
    d.hf_model_id,
    d.gpu?.pool ?? '-',
    d.gpu ? `$${d.gpu.price_per_hour_usd.toFixed(3)}/h` : '-',
    d.created_at.replace('T', ' ').slice(0, 19),
  ]);
}

/** `visgate status <id> [--json]`: where one deployment stands. */
export async function status(ctx: Ctx): Promise<void> {
  const d = await ctx.client.request<PublicDeployment>(
    'GET',
    path(positional(ctx.positionals, 0, 'id')),
  );
  if (ctx.flags.json) {
    printJson(ctx, d);
    return;
  }
  const lines = [
    `${d.deployment_id}  ${d.hf_model_id}`,
    describeProgress(d),
    d.endpoint_url ? `endpoint  ${d.endpoint_url}` : null,
    weightsLine(d),
    `spent     $${d.cost.spent_usd.toFixed(4)}`,
  ].filter((l): l is string => l !== null);
  ctx.stdout.write(`${lines.join('\n')}\n`);
}

/** Where the weights came from and how long each phase took, e.g. `runpod_cache · fetch 0.0 s`. */
function weightsLine(d: PublicDeployment): string | null {
  const source = d.progress.source;
  if (source === null) return null;
  const t = d.timings;
  const phases = (
    [
      ['fetch', t.fetch_s],
      ['load', t.load_s],
      ['warm-up', t.warmup_s],
    ] as const
  )
    .filter(([, s]) => s !== null)
    .map(([name, s]) => `${name} ${(s ?? 0).toFixed(1)} s`);
  return `weights   ${[source, ...phases].join(' · ')}`;
}

/** Runs one state change (POST/DELETE), then optionally follows it until one of `until`. */
async function change(
  ctx: Ctx,
  method: 'POST' | 'DELETE',
  suffix: string,
  until: readonly DeploymentStatus[],
  goal: DeploymentStatus,
): Promise<void> {
  const id = positional(ctx.positionals, 0, 'id');
  let d = await ctx.client.request<PublicDeployment>(method, `${path(id)}${suffix}`);
  if (ctx.flags.wait && !until.includes(d.status)) {
    const progress = createProgress(ctx.stderr);
    d = await followDeployment(ctx.client, id, until, progress, ctx.config);
    progress.done();
  }
  if (ctx.flags.json) printJson(ctx, d);
  else ctx.stdout.write(`${describeProgress(d)}\n`);
  if (ctx.flags.wait && d.status !== goal) {
    throw new CliError(`deployment ${id} is ${d.status}, not ${goal}`);
  }
}

/** `visgate pause <id>`: zero workers, endpoint kept, billing stopped. */
export const pause = (ctx: Ctx): Promise<void> =>
  change(ctx, 'POST', '/pause', ['paused'], 'paused');

/** `visgate resume <id> [--wait]`: workers back, loading → ready. */
export const resume = (ctx: Ctx): Promise<void> =>
  change(ctx, 'POST', '/resume', ['ready', 'failed', 'deleting', 'deleted'], 'ready');

/** `visgate delete <id> [--wait]`: endpoint and template deleted on RunPod. */
export const remove = (ctx: Ctx): Promise<void> =>
  change(ctx, 'DELETE', '', ['deleted'], 'deleted');
