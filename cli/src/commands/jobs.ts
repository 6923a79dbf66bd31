import type { PublicJob } from '@visgate/shared';
import { positional } from '../args';
import { printJson, type Ctx } from '../context';
import { formatTable } from '../render';

/** `visgate jobs <deployment> [--status S] [--json]`: the deployment's jobs, newest first. */
export async function jobs(ctx: Ctx): Promise<void> {
  const id = positional(ctx.positionals, 0, 'deployment');
  const docs: PublicJob[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ limit: '100' });
    if (typeof ctx.flags.status === 'string') q.set('status', ctx.flags.status);
    if (cursor) q.set('cursor', cursor);
    const page: { data: PublicJob[]; next_cursor: string | null } = await ctx.client.request(
      'GET',
      `/v1/deployments/${encodeURIComponent(id)}/jobs?${q.toString()}`,
    );
    docs.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  if (ctx.flags.json) {
    printJson(ctx, docs);
    return;
  }
  if (docs.length === 0) {
    ctx.stderr.write('no jobs\n');
    return;
  }
  const rows = docs.map((j) => [
    j.job_id,
    j.status,
    j.timings.execution_s !== null ? `${j.timings.execution_s.toFixed(1)} s` : '-',
    j.cost.estimated_usd !== null ? `$${j.cost.estimated_usd.toFixed(6)}` : '-',
    j.error ? j.error.code : '',
    j.created_at.replace('T', ' ').slice(0, 19),
  ]);
  ctx.stdout.write(
    `${formatTable([['JOB', 'STATUS', 'EXECUTION', 'COST', 'ERROR', 'CREATED'], ...rows])}\n`,
  );
}
