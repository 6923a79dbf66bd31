import type { PublicJob } from '@visgate/shared';
import { positional } from '../args';
import { fetchAllPages, printList, type Ctx } from '../context';

/** `visgate jobs <deployment> [--status S] [--json]`: the deployment's jobs, newest first. */
export async function jobs(ctx: Ctx): Promise<void> {
  const id = positional(ctx.positionals, 0, 'deployment');
  const docs = await fetchAllPages<PublicJob>(
    ctx,
    `/v1/deployments/${encodeURIComponent(id)}/jobs`,
  );
  printList(ctx, docs, 'jobs', ['JOB', 'STATUS', 'EXECUTION', 'COST', 'ERROR', 'CREATED'], (j) => [
    j.job_id,
    j.status,
    j.timings.execution_s !== null ? `${j.timings.execution_s.toFixed(1)} s` : '-',
    j.cost.estimated_usd !== null ? `$${j.cost.estimated_usd.toFixed(6)}` : '-',
    j.error ? j.error.code : '',
    j.created_at.replace('T', ' ').slice(0, 19),
  ]);
}
