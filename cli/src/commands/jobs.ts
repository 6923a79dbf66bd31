import type { PublicJob } from '@visgate/shared';
import { positional, stringFlag } from '../args';
import { fetchAllPages, printJson, printList, type Ctx } from '../context';
import { EXIT } from '../errors';
import { usd } from '../render';
import { resolveDeploymentId } from '../resolve-id';

/** `visgate jobs <deployment> [--status S]`: the deployment's jobs, newest first. */
export async function jobs(ctx: Ctx): Promise<number> {
  const id = await resolveDeploymentId(ctx, positional(ctx.positionals, 0, 'deployment'));
  const docs = await fetchAllPages<PublicJob>(
    ctx,
    `/v1/deployments/${encodeURIComponent(id)}/jobs`,
    stringFlag(ctx.flags, 'status'),
  );
  printList(ctx, docs, 'jobs', ['JOB', 'STATUS', 'EXECUTION', 'COST', 'ERROR', 'CREATED'], (j) => [
    j.job_id,
    j.status,
    j.timings.execution_s !== null ? `${j.timings.execution_s.toFixed(1)} s` : '-',
    j.cost.estimated_usd !== null ? usd(j.cost.estimated_usd) : '-',
    j.error ? j.error.code : '',
    j.created_at.replace('T', ' ').slice(0, 19),
  ]);
  return EXIT.ok;
}

/** `visgate jobs cancel <job>`: cancels a queued or running job (RunPod stops it). */
export async function cancelJob(ctx: Ctx): Promise<number> {
  const jobId = positional(ctx.positionals, 0, 'job');
  const job = await ctx.client.request<PublicJob>(
    'POST',
    `/v1/jobs/${encodeURIComponent(jobId)}/cancel`,
  );
  if (ctx.flags.json) printJson(ctx, job);
  else ctx.stdout.write(`${job.job_id}  ${job.status}\n`);
  return EXIT.ok;
}
