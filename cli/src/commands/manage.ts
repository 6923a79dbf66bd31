import { describeProgress, type DeploymentStatus, type PublicDeployment } from '@visgate/shared';
import { positional, stringFlag } from '../args';
import { fetchAllPages, printJson, printList, type Ctx } from '../context';
import { CliError, EXIT } from '../errors';
import { episodeStart, readyLine } from '../progress-line';
import { usd } from '../render';
import { resolveDeploymentId } from '../resolve-id';
import { watchDeployment } from '../watch';

const path = (id: string): string => `/v1/deployments/${encodeURIComponent(id)}`;

/** `visgate ls [--status S] [--all]`: the caller's deployments, newest first; deleted ones only with --all. */
export async function list(ctx: Ctx): Promise<number> {
  const status = stringFlag(ctx.flags, 'status');
  const docs = (await fetchAllPages<PublicDeployment>(ctx, '/v1/deployments', status)).filter(
    (d) => ctx.flags.all || status !== undefined || d.status !== 'deleted',
  );
  printList(ctx, docs, 'deployments', ['ID', 'STATUS', 'MODEL', 'GPU', 'PRICE', 'CREATED'], (d) => [
    d.deployment_id,
    d.status,
    d.hf_model_id,
    d.gpu?.pool ?? '-',
    d.gpu ? `$${d.gpu.price_per_hour_usd.toFixed(3)}/h` : '-',
    d.created_at.replace('T', ' ').slice(0, 19),
  ]);
  return EXIT.ok;
}

/** `visgate status <id>`: where one deployment stands. */
export async function status(ctx: Ctx): Promise<number> {
  const id = await resolveDeploymentId(ctx, positional(ctx.positionals, 0, 'id'));
  const d = await ctx.client.request<PublicDeployment>('GET', path(id));
  if (ctx.flags.json) {
    printJson(ctx, d);
    return EXIT.ok;
  }
  const lines = [
    `${d.deployment_id}  ${d.hf_model_id}`,
    describeProgress(d),
    d.endpoint_url ? `endpoint  ${d.endpoint_url}` : null,
    weightsLine(d),
    spendLine(d),
  ].filter((l): l is string => l !== null);
  ctx.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

/**
 * Spend as the API records it: worker time × the pool's price, added up at each of the reaper's
 * cost checks (RunPod reports no per-endpoint spend). Between checks it lags, so say so rather
 * than print a bare "$0.0000" for a deployment whose workers ran minutes ago.
 */
export function spendLine(d: PublicDeployment): string | null {
  if (d.gpu === null) return null;
  const spent = d.cost.spent_usd;
  const budget = d.settings.budget_usd !== null ? ` of a ${usd(d.settings.budget_usd)} budget` : '';
  const lag =
    spent === 0
      ? 'none recorded yet: worker time is added at each periodic cost check'
      : 'worker time up to the last periodic cost check';
  return `spent     ${usd(spent)}${budget} (${lag})`;
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

/** Prints the final document once: JSON, or its one line on stdout. */
function printFinal(ctx: Ctx, d: PublicDeployment, line: string): void {
  if (ctx.flags.json) printJson(ctx, d);
  else ctx.stdout.write(`${line}\n`);
}

/** Runs one state change (POST/DELETE), then optionally follows it until one of `until`. */
async function change(
  ctx: Ctx,
  method: 'POST' | 'DELETE',
  suffix: string,
  until: readonly DeploymentStatus[],
  goal: DeploymentStatus,
): Promise<number> {
  const id = await resolveDeploymentId(ctx, positional(ctx.positionals, 0, 'id'));
  const startedAt = Date.now();
  let d = await ctx.client.request<PublicDeployment>(method, `${path(id)}${suffix}`);
  let line = describeProgress(d);
  if (ctx.flags.wait && !until.includes(d.status)) {
    const watched = await watchDeployment(ctx, id, {
      until,
      startedAt,
      deleting: goal === 'deleted',
    });
    watched.finish();
    d = watched.doc;
    line = watched.finalLine;
  }
  printFinal(ctx, d, line);
  if (ctx.flags.wait && d.status !== goal) {
    throw new CliError(`deployment ${id} is ${d.status}, not ${goal}`, EXIT.ended);
  }
  return EXIT.ok;
}

/** `visgate pause <id>`: zero workers, endpoint kept, billing stopped. */
export const pause = (ctx: Ctx): Promise<number> =>
  change(ctx, 'POST', '/pause', ['paused'], 'paused');

/** `visgate resume <id> [--wait]`: workers back, loading → ready. */
export const resume = (ctx: Ctx): Promise<number> =>
  change(ctx, 'POST', '/resume', ['ready', 'failed', 'deleting', 'deleted'], 'ready');

/** `visgate delete <id> [--wait]`: endpoint and template deleted on RunPod. */
export const remove = (ctx: Ctx): Promise<number> =>
  change(ctx, 'DELETE', '', ['deleted'], 'deleted');

const SETTLED: readonly DeploymentStatus[] = ['ready', 'paused', 'failed', 'deleted'];

/**
 * `visgate wait <id>` (alias `watch`): re-attaches to a deployment's live progress until it
 * settles, timing from its last creation, resume or delete. Exit 0 when it settles where it was
 * heading, 3 when it failed (or was deleted while heading for ready).
 */
export async function wait(ctx: Ctx): Promise<number> {
  const id = await resolveDeploymentId(ctx, positional(ctx.positionals, 0, 'id'));
  const first = await ctx.client.request<PublicDeployment>('GET', path(id));
  const deleting = first.status === 'deleting' || first.status === 'deleted';
  let d = first;
  let line = describeProgress(first);
  if (first.status === 'ready' && first.timings.ready_at !== null) {
    line = readyLine(first, Date.parse(first.timings.ready_at) - episodeStart(first));
  }
  if (!SETTLED.includes(first.status)) {
    const watched = await watchDeployment(ctx, id, {
      until: SETTLED,
      startedAt: episodeStart(first),
      deleting,
    });
    watched.finish();
    d = watched.doc;
    line = watched.finalLine;
  }
  printFinal(ctx, d, line);
  if (d.status === 'failed' || (d.status === 'deleted' && !deleting)) {
    throw new CliError(
      `deployment ${id} ${d.status}${d.error ? `: ${d.error.code}: ${d.error.message}` : ''}`,
      EXIT.ended,
    );
  }
  return EXIT.ok;
}
