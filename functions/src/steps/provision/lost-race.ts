import { AppError, CLOSING_STATUSES, isAppError } from '@visgate/shared';
import type { RunPodEndpoint, RunPodTemplate } from '../../ports';
import type { Deps } from '../../deps';
import { releaseRunPodResources } from '../teardown/teardown';

/**
 * Our commit found the deployment no longer `provisioning`. If it is going away (deleted, failed),
 * the teardown may have looked before our create landed, so remove everything under its name. If
 * another attempt got there first (our lease had expired), remove only what we made and it did not
 * adopt. If that attempt has not committed yet, retry later rather than guess.
 */
export async function resolveLostRace(
  deps: Pick<Deps, 'store' | 'runpod' | 'log'>,
  apiKey: string,
  id: string,
  endpoint: RunPodEndpoint,
  template: RunPodTemplate,
): Promise<void> {
  const doc = await deps.store.get(id);
  if (!doc) return;
  if (doc.status === 'provisioning') {
    throw new AppError('CONFLICT', 'a newer provision attempt has not committed yet', {
      retryable: true,
    });
  }
  if (CLOSING_STATUSES.includes(doc.status)) {
    deps.log.warn('deployment changed during provisioning; releasing fresh resources', {
      deployment_id: id,
    });
    await releaseRunPodResources(deps.runpod, apiKey, id, {
      endpointId: endpoint.id,
      templateId: template.id,
    });
    return;
  }
  deps.log.warn("another provision attempt won; removing this attempt's duplicates", {
    deployment_id: id,
  });
  if (doc.endpoint_id !== endpoint.id) {
    await deps.runpod
      .updateEndpoint(apiKey, endpoint.id, { workersMin: 0, workersMax: 0 })
      .catch(ignoreGone);
    await deps.runpod.deleteEndpoint(apiKey, endpoint.id).catch(ignoreGone);
  }
  if (doc.template_id !== template.id)
    await deps.runpod.deleteTemplate(apiKey, template.id).catch(ignoreGone);
}

function ignoreGone(e: unknown): void {
  if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
}
