import { DEPLOYMENT_ID_PATTERN, type PublicDeployment } from '@visgate/shared';
import { fetchAllPages, type Ctx } from './context';
import { CliError, EXIT, usageError } from './errors';

/**
 * A full deployment id from what the user typed: the id itself, or the unique start of one of
 * their deployments (`dpl_k3`, or just `k3`), as `docker` and `git` take short ids. None or
 * several matches is an error that lists what there is.
 */
export async function resolveDeploymentId(ctx: Ctx, typed: string): Promise<string> {
  if (DEPLOYMENT_ID_PATTERN.test(typed)) return typed;
  const prefix = typed.startsWith('dpl_') ? typed : `dpl_${typed}`;
  if (!/^dpl_[a-z2-7]{0,25}$/.test(prefix)) {
    throw usageError(`"${typed}" is not a deployment id (dpl_…) nor the start of one`);
  }
  const docs = await fetchAllPages<PublicDeployment>(ctx, '/v1/deployments');
  const matches = docs.filter((d) => d.deployment_id.startsWith(prefix));
  const [only] = matches;
  if (only && matches.length === 1) return only.deployment_id;
  if (matches.length === 0) {
    throw new CliError(`no deployment of yours starts with "${typed}" (see visgate ls --all)`);
  }
  const list = matches
    .slice(0, 10)
    .map((d) => `  ${d.deployment_id}  ${d.status.padEnd(13)} ${d.hf_model_id}`)
    .join('\n');
  throw new CliError(
    `"${typed}" matches ${matches.length} deployments; type more of the id:\n${list}${matches.length > 10 ? '\n  …' : ''}`,
    EXIT.usage,
  );
}
