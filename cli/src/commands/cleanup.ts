import { DEPLOYMENT_ID_PATTERN, type PublicDeployment } from '@visgate/shared';
import { printJson, type Ctx } from '../context';
import { NO_KEY_MESSAGE } from '../api-client';
import { CliError, EXIT } from '../errors';
import { formatTable } from '../render';
import { createRunPodAccount } from '../runpod-account';

interface Stale {
  kind: 'endpoint' | 'template';
  id: string;
  name: string;
  deploymentId: string;
  reason: string;
}

/** Why a deployment's RunPod resources are stale, or null when the deployment still owns them. */
async function staleReason(ctx: Ctx, deploymentId: string): Promise<string | null> {
  try {
    const d = await ctx.client.request<PublicDeployment>(
      'GET',
      `/v1/deployments/${encodeURIComponent(deploymentId)}`,
    );
    return d.status === 'deleted' || d.status === 'failed' ? `deployment ${d.status}` : null;
  } catch (e) {
    if (e instanceof CliError && e.httpStatus === 404) return 'no such deployment';
    throw e;
  }
}

/**
 * `visgate cleanup [--yes] [--json]`: finds endpoints and templates named `visgate-dpl_…` on the
 * user's RunPod account whose deployment is missing, failed or deleted, lists them, and deletes
 * them after confirmation (or at once with --yes). Anything else on the account is never touched.
 */
export async function cleanup(ctx: Ctx): Promise<number> {
  if (!ctx.config.apiKey) throw new CliError(NO_KEY_MESSAGE, EXIT.usage);
  const account = createRunPodAccount(ctx.config.runpodApiUrl, ctx.config.apiKey);
  const [endpoints, templates] = await Promise.all([
    account.listEndpoints(),
    account.listTemplates(),
  ]);
  const ours = [
    ...endpoints.map((e) => ({ kind: 'endpoint' as const, id: e.id, name: e.name })),
    ...templates.map((t) => ({ kind: 'template' as const, id: t.id, name: t.name })),
  ].flatMap((r) => {
    const deploymentId = r.name.replace(/^visgate-/, '').replace(/-fb$/, '');
    return r.name.startsWith('visgate-') && DEPLOYMENT_ID_PATTERN.test(deploymentId)
      ? [{ ...r, deploymentId }]
      : [];
  });
  const reasons = new Map<string, string | null>();
  for (const id of new Set(ours.map((r) => r.deploymentId))) {
    reasons.set(id, await staleReason(ctx, id));
  }
  const stale: Stale[] = ours.flatMap((r) => {
    const reason = reasons.get(r.deploymentId);
    return reason ? [{ ...r, reason }] : [];
  });
  // Endpoints first: a template cannot be deleted while an endpoint is bound to it. RunPod's v2
  // `Endpoint` does not say which template it came from, so a template still bound to an endpoint
  // we keep is refused by RunPod (400) and reported below, never guessed at here.
  stale.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'endpoint' ? -1 : 1));

  if (stale.length === 0) {
    if (ctx.flags.json) printJson(ctx, { stale: [], deleted: [] });
    else ctx.stderr.write('nothing to clean up\n');
    return EXIT.ok;
  }
  if (!ctx.flags.json) {
    const rows = stale.map((s) => [s.kind, s.id, s.name, s.reason]);
    ctx.stdout.write(`${formatTable([['KIND', 'ID', 'NAME', 'WHY'], ...rows])}\n`);
  }
  let confirmed = ctx.flags.yes === true;
  if (!confirmed && ctx.ask) {
    const answer = await ctx.ask(`Delete these ${stale.length} resources? [y/N] `);
    confirmed = /^y(es)?$/i.test(answer.trim());
  }
  if (!confirmed) {
    if (ctx.flags.json) printJson(ctx, { stale, deleted: [] });
    else ctx.stderr.write('nothing deleted; run again with --yes to delete them\n');
    return EXIT.ok;
  }
  const deleted: Stale[] = [];
  const failures: string[] = [];
  for (const s of stale) {
    try {
      if (s.kind === 'endpoint') await account.deleteEndpoint(s.id);
      else await account.deleteTemplate(s.id);
      deleted.push(s);
      if (!ctx.flags.json) ctx.stderr.write(`deleted ${s.kind} ${s.id} (${s.name})\n`);
    } catch (e) {
      failures.push(`${s.kind} ${s.id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (ctx.flags.json) printJson(ctx, { stale, deleted });
  if (failures.length > 0) throw new CliError(`could not delete ${failures.join('; ')}`);
  return EXIT.ok;
}
