import type { PublicDeployment } from '@visgate/shared';
import { intFlag, positional } from '../args';
import { printJson, type Ctx } from '../context';
import { CliError } from '../errors';
import { followDeployment } from '../follow';
import { createProgress } from '../render';

interface Created {
  deployment_id: string;
  status: string;
  webhook_secret?: string | null;
  estimated_ready_s?: number;
}

/** `visgate deploy <model> [--wait] [--gpu-tier T] [--webhook URL] [--workers-max N] [--json]` */
export async function deploy(ctx: Ctx): Promise<void> {
  const model = positional(ctx.positionals, 0, 'model');
  const body: Record<string, unknown> = { hf_model_id: model };
  if (ctx.flags['gpu-tier'] !== undefined) body.gpu_tier = ctx.flags['gpu-tier'];
  if (ctx.flags.webhook !== undefined) body.user_webhook_url = ctx.flags.webhook;
  const workersMax = intFlag(ctx.flags, 'workers-max');
  if (workersMax !== undefined) body.workers_max = workersMax;
  const created = await ctx.client.request<Created>('POST', '/v1/deployments', body);
  const id = created.deployment_id;
  if (!ctx.flags.json) {
    ctx.stdout.write(`${id}\n`);
    if (created.webhook_secret) {
      ctx.stderr.write(`webhook secret (shown only now): ${created.webhook_secret}\n`);
    }
  }
  if (!ctx.flags.wait) {
    if (ctx.flags.json) printJson(ctx, created);
    else ctx.stderr.write(`follow it with: visgate status ${id}  (or deploy --wait)\n`);
    return;
  }
  const progress = createProgress(ctx.stderr);
  const final: PublicDeployment = await followDeployment(
    ctx.client,
    id,
    ['ready', 'failed', 'deleting', 'deleted'],
    progress,
    ctx.config,
  );
  progress.done();
  if (ctx.flags.json) printJson(ctx, { ...final, webhook_secret: created.webhook_secret ?? null });
  if (final.status !== 'ready') {
    throw new CliError(
      `deployment ${id} ${final.status}${final.error ? `: ${final.error.code}: ${final.error.message}` : ''}`,
    );
  }
  if (!ctx.flags.json) {
    ctx.stderr.write(`ready: visgate run ${id} "an astronaut riding a horse" -o out.png\n`);
  }
}
