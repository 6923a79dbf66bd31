import { isAppError, type Deployment } from '@visgate/shared';
import type { RunPodApi, RunPodEndpoint, RunPodTemplate } from '../../ports';
import type { Deps } from '../../deps';
import { deploymentToCheck, isOrphan, type SweptResource } from './decide-orphans';

export type SweepDeps = Pick<Deps, 'store' | 'runpod'>;

/**
 * One RunPod key per owner among `docs` whose secrets are still held: the accounts the sweep can
 * see. We hold no key of our own, so an account is swept only while one of its deployments is.
 */
export async function accountKeys(
  deps: Pick<Deps, 'secrets'>,
  docs: readonly Deployment[],
): Promise<string[]> {
  const keys = new Map<string, string>();
  for (const doc of docs) {
    if (doc.runtime.secrets_purged) continue;
    const key = (await deps.secrets.get(doc.deployment_id))?.runpodApiKey;
    if (key) keys.set(doc.owner_hash, key);
  }
  return [...keys.values()];
}

/**
 * Deletes the `visgate-<id>` endpoints and templates in one account that no live deployment stands
 * behind (`isOrphan`); resources of other names are the user's own and never touched. Each
 * resource's document is read just before its verdict, so a deployment that moved on while the
 * sweep ran is judged as it is now. A failed listing (a revoked key, an outage) skips the account
 * until the next cycle. An endpoint already gone (an overlapping cycle, a teardown) counts as swept;
 * a template RunPod refuses to delete is left to the next cycle.
 */
export async function sweepAccount(
  deps: SweepDeps,
  key: string,
  recorded: ReadonlySet<string>,
): Promise<{ endpoints: number; templates: number }> {
  let endpoints: RunPodEndpoint[];
  let templates: RunPodTemplate[];
  try {
    [endpoints, templates] = await Promise.all([
      deps.runpod.listEndpoints(key),
      deps.runpod.listTemplates(key),
    ]);
  } catch (e) {
    if (isAppError(e)) return { endpoints: 0, templates: 0 };
    throw e;
  }
  const orphan = async (resource: SweptResource): Promise<boolean> => {
    const id = deploymentToCheck(resource, recorded);
    return id !== null && isOrphan(resource, await deps.store.get(id));
  };
  const swept = { endpoints: 0, templates: 0 };
  for (const e of endpoints) {
    if (!(await orphan({ kind: 'endpoint', id: e.id, name: e.name }))) continue;
    await removeEndpoint(deps.runpod, key, e.id);
    swept.endpoints += 1;
  }
  for (const t of templates) {
    if (!(await orphan({ kind: 'template', id: t.id, name: t.name }))) continue;
    try {
      await deps.runpod.deleteTemplate(key, t.id);
      swept.templates += 1;
    } catch (e) {
      // Still in use by an endpoint being deleted, or gone already: the next cycle looks again.
      if (!isAppError(e)) throw e;
    }
  }
  return swept;
}

/** Scales to zero first, as RunPod requires before a delete; NOT_FOUND means already gone. */
async function removeEndpoint(runpod: RunPodApi, key: string, id: string): Promise<void> {
  try {
    await runpod.updateEndpoint(key, id, { workersMin: 0, workersMax: 0 });
    await runpod.deleteEndpoint(key, id);
  } catch (e) {
    if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
  }
}
