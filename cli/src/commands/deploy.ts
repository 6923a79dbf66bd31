import { randomUUID } from 'node:crypto';
import { positional, stringFlag } from '../args';
import { printJson, type Ctx } from '../context';
import { deploymentBody } from '../deployment-body';
import { CliError, EXIT } from '../errors';
import { watchDeployment } from '../watch';

interface Created {
  deployment_id: string;
  status: string;
  webhook_secret?: string | null;
  estimated_ready_s?: number;
}

/**
 * `visgate deploy <model> [flags] [--wait]`. Every create sends an Idempotency-Key (`--idempotency-key`
 * or a fresh one), and a POST that got no answer is retried once with the same key: the API
 * replays the first deployment rather than making a second endpoint.
 */
export async function deploy(ctx: Ctx): Promise<number> {
  const model = positional(ctx.positionals, 0, 'model');
  const body = deploymentBody(ctx, model);
  const key = stringFlag(ctx.flags, 'idempotency-key') ?? `visgate-cli-${randomUUID()}`;
  const startedAt = Date.now();
  const created = await ctx.client.request<Created>('POST', '/v1/deployments', body, {
    headers: { 'Idempotency-Key': key },
    retryNetworkOnce: true,
  });
  const id = created.deployment_id;
  if (!ctx.flags.json) {
    ctx.stdout.write(`${id}\n`);
    if (created.webhook_secret) {
      ctx.stderr.write(`webhook secret (shown only now): ${created.webhook_secret}\n`);
    }
  }
  if (!ctx.flags.wait) {
    if (ctx.flags.json) printJson(ctx, created);
    else ctx.stderr.write(`follow it with: visgate wait ${id}\n`);
    return EXIT.ok;
  }
  const { doc, finalLine, finish } = await watchDeployment(ctx, id, {
    until: ['ready', 'failed', 'deleting', 'deleted'],
    startedAt,
    estimatedReadyS: created.estimated_ready_s ?? null,
  });
  finish(ctx.flags.json ? undefined : finalLine);
  if (ctx.flags.json) printJson(ctx, { ...doc, webhook_secret: created.webhook_secret ?? null });
  if (doc.status !== 'ready') {
    throw new CliError(
      `deployment ${id} ${doc.status}${doc.error ? `: ${doc.error.code}: ${doc.error.message}` : ''}`,
      EXIT.ended,
    );
  }
  if (!ctx.flags.json) {
    ctx.stderr.write(`try it: visgate run ${id} "an astronaut riding a horse" -o out.png\n`);
  }
  return EXIT.ok;
}
