import { isAppError, runpodResourceName, transition } from '@visgate/shared';
import type { DeploymentMessage, RunPodApi } from '../../ports';
import { deleteWorkerManifest } from './delete-worker-manifest';
import type { Deps } from '../../deps';
import { enqueuePendingDeliveries, withWebhookDelivery } from '../lifecycle';

export type TeardownDeps = Pick<
  Deps,
  'store' | 'secrets' | 'runpod' | 'tasks' | 'clock' | 'log' | 'config' | 'objectStores'
>;

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
  }
}

/**
 * Deletes every RunPod endpoint and template of a deployment: those recorded on the document and
 * any carrying its name (left by a crash between create and record). Scales to zero first, as
 * RunPod requires. Throws on retryable errors so the bus retries; 404s count as already gone.
 */
export async function releaseRunPodResources(
  runpod: RunPodApi,
  apiKey: string,
  id: string,
  known: { endpointId: string | null; templateId: string | null },
): Promise<void> {
  const name = runpodResourceName(id);
  const endpoints = (await runpod.listEndpoints(apiKey)).filter(
    (e) => e.name === name || e.id === known.endpointId,
  );
  for (const e of endpoints) {
    await ignoreNotFound(runpod.updateEndpoint(apiKey, e.id, { workersMin: 0, workersMax: 0 }));
    await ignoreNotFound(runpod.deleteEndpoint(apiKey, e.id));
  }
  const templates = (await runpod.listTemplates(apiKey)).filter(
    (t) => t.name === name || t.id === known.templateId,
  );
  for (const t of templates) await ignoreNotFound(runpod.deleteTemplate(apiKey, t.id));
}

/**
 * Teardown: for a `deleting` deployment, releases RunPod resources and moves it to `deleted`
 * (billing stops); for a `failed` one, releases them and records that. Then drops the secrets that
 * are no longer needed; the reaper purges the rest after the retention window.
 */
export function createTeardown(deps: TeardownDeps) {
  return async function teardown(msg: DeploymentMessage): Promise<void> {
    const id = msg.deployment_id;
    const doc = await deps.store.get(id);
    if (!doc) return;
    const releasing =
      doc.status === 'deleting' || (doc.status === 'failed' && !doc.runtime.resources_released);
    if (!releasing) return;

    const secrets = await deps.secrets.get(id);
    let note = 'RunPod endpoint and template deleted';
    if (secrets?.runpodApiKey) {
      try {
        await releaseRunPodResources(deps.runpod, secrets.runpodApiKey, id, {
          endpointId: doc.endpoint_id,
          templateId: doc.template_id,
        });
      } catch (e) {
        if (!(isAppError(e) && e.code === 'RUNPOD_AUTH')) throw e;
        // The key was revoked: nothing can be deleted with it, and nothing more can be billed through us.
        note =
          'RunPod key revoked before cleanup; delete visgate-* resources in the RunPod console';
        deps.log.error('teardown impossible: RunPod key rejected', { deployment_id: id });
      }
    }

    const at = deps.clock.now();
    const written = await deps.store.mutate(id, (d) => {
      const runtime = { ...d.runtime, resources_released: true };
      if (d.status === 'deleting') {
        return withWebhookDelivery(
          { ...transition(d, 'deleted', at, note), runtime, workers: null },
          'deployment.deleted',
          at,
        );
      }
      if (d.status === 'failed' && !d.runtime.resources_released) {
        return { ...d, runtime, workers: null, updated_at: at.toISOString() };
      }
      return null;
    });
    if (!written) return;
    deps.log.info('runpod resources released', { deployment_id: id, status: written.status });
    // Keep the RunPod key (encrypted) through the retention window so the reaper can sweep anything a
    // late, crashed step may still create under this name; drop everything else now.
    // The presigned worker manifest goes first, while the cache credentials still exist.
    await deleteWorkerManifest(deps, doc, secrets);
    await deps.secrets.patch(id, { hfToken: null, eventsToken: null, cache: null });
    await enqueuePendingDeliveries(deps, written);
  };
}
