import { AppError, base32, isAppError, type Deployment } from '@visgate/shared';
import type { DeploymentSecrets } from '../../ports';
import type { Deps } from '../../deps';
import { chooseCacheSource, type CacheChoice } from './cache-choice';
import { defineStep } from '../define-step';
import { failDeployment } from '../lifecycle';
import { enqueuePoll } from '../poll/enqueue-poll';
import { acquire, type Acquisition } from './acquire';
import { commitProvisioned, noCapacityMessage, withRefusals } from './commit';
import { resolveLostRace } from './lost-race';
import { endpointSpec, templateSpec } from './plan';
import { planRunPodModelCache, plannedSource } from './runpod-model-cache';
import { mayHaveLeftResources, releaseLease, takeLease } from './take-lease';

export type ProvisionDeps = Pick<
  Deps,
  | 'config'
  | 'store'
  | 'secrets'
  | 'runpod'
  | 'bus'
  | 'tasks'
  | 'clock'
  | 'log'
  | 'random'
  | 'objectStores'
>;

/**
 * Step 3: creates (or adopts, after a crash) the template and endpoint on the user's RunPod account,
 * named from the deployment id, then starts polling. Like Temporal's saga: take the lease, acquire
 * the resources, commit; a deployment deleted meanwhile gets its fresh resources removed again, and
 * every candidate pool refused ends the deployment NO_CAPACITY with each refusal recorded.
 */
export function createProvision(deps: ProvisionDeps) {
  return defineStep(
    deps,
    {
      name: 'provision',
      status: ['provisioning'],
      onPast: async (doc) => {
        if (doc.status === 'loading')
          await enqueuePoll(deps, doc.deployment_id, doc.runtime.poll_attempt + 1);
      },
    },
    async (doc, secrets) => {
      const id = doc.deployment_id;
      if (!doc.gpu) return;
      const leaseMs = deps.config.PROVISION_LEASE_S * 1000;
      const leased = await deps.store.mutate(id, (d) => takeLease(d, deps.clock.now(), leaseMs));
      if (!leased) return afterLeaseRefused(deps, id);

      let acquired: Acquisition & {
        apiKey: string;
        cache: CacheChoice | null;
        reference: string | null;
      };
      try {
        acquired = await acquireFor(deps, leased, doc.gpu, secrets);
      } catch (e) {
        // Give the lease back so the redelivery takes over at once; it adopts what we made.
        if (!(isAppError(e) && e.onStep === 'fail')) await deps.store.mutate(id, releaseLease);
        throw e;
      }
      if (acquired.kind === 'no-capacity') {
        await failDeployment(
          deps,
          id,
          ['provisioning'],
          {
            code: 'NO_CAPACITY',
            message: noCapacityMessage(doc.hf_model_id, acquired.refusals),
            step: 'provision',
          },
          (d) => withRefusals(d, acquired.refusals),
        );
        return;
      }

      const at = deps.clock.now();
      const written = await deps.store.mutate(id, (d) =>
        commitProvisioned(d, acquired, at, {
          modelReference: acquired.reference,
          source: plannedSource(acquired.cache, acquired.runpodCache),
        }),
      );
      if (!written) {
        await resolveLostRace(deps, acquired.apiKey, id, acquired.endpoint, acquired.template);
        return;
      }
      deps.log.info('endpoint created', {
        deployment_id: id,
        endpoint_id: acquired.endpoint.id,
        pools: acquired.pools,
      });
      await enqueuePoll(deps, id, 1);
    },
  );
}

/** The lease was not ours: another attempt is running (retry later), or it already committed. */
async function afterLeaseRefused(deps: ProvisionDeps, id: string): Promise<void> {
  const current = await deps.store.get(id);
  if (current?.status === 'provisioning')
    throw new AppError('CONFLICT', 'another provision attempt is running', { retryable: true });
  if (current?.status === 'loading') await enqueuePoll(deps, id, current.runtime.poll_attempt + 1);
}

/** Everything between the lease and the commit: secrets, the cache choice, the RunPod resources. */
async function acquireFor(
  deps: ProvisionDeps,
  leased: Deployment,
  gpu: NonNullable<Deployment['gpu']>,
  secrets: DeploymentSecrets | null,
) {
  const id = leased.deployment_id;
  const apiKey = secrets?.runpodApiKey;
  if (!secrets || !apiKey)
    throw new AppError('RUNPOD_AUTH', 'the RunPod key is no longer available');
  const eventsToken = await ensureEventsToken(deps, id, secrets);

  const cache = await chooseCacheSource(deps, leased, secrets);
  if (cache) {
    const source = cache.source;
    await deps.store.mutate(id, (d) =>
      d.status === 'provisioning' ? { ...d, progress: { ...d.progress, source } } : null,
    );
  }
  const modelCache = planRunPodModelCache(deps.config, leased, cache?.hit ?? false);
  const reference = modelCache.use ? modelCache.reference : null;
  const outcome = await acquire(deps.runpod, deps.log, {
    apiKey,
    deploymentId: id,
    template: templateSpec(leased, {
      image: deps.config.WORKER_IMAGE,
      minDiskGb: deps.config.WORKER_MIN_DISK_GB,
      publicBaseUrl: deps.config.PUBLIC_BASE_URL,
      eventsToken,
      hfToken: secrets.hfToken,
      cacheSources: cache?.sources ?? [],
      allowPrivateUrls: deps.config.WEBHOOK_ALLOW_PRIVATE_HOSTS,
    }),
    mayExist: mayHaveLeftResources(leased),
    endpoint: (templateId, pools) =>
      endpointSpec(
        leased,
        {
          executionTimeoutS: deps.config.EXECUTION_TIMEOUT_S,
          minCudaVersion: deps.config.WORKER_MIN_CUDA_VERSION,
        },
        templateId,
        pools,
      ),
    pools: gpu.active_pools,
    candidates: gpu.candidates,
    refusedBefore: gpu.skipped.map((s) => s.pool),
    modelReference: reference,
  });
  return { ...outcome, apiKey, cache, reference };
}

/**
 * The per-deployment token the worker presents with its events, made with the deployment. One
 * created before that (an older release) gets it here, under the lease: the secrets are read again
 * first, since an earlier attempt may have made one after the runner read them.
 */
async function ensureEventsToken(
  deps: ProvisionDeps,
  id: string,
  secrets: DeploymentSecrets,
): Promise<string> {
  if (secrets.eventsToken) return secrets.eventsToken;
  const made = (await deps.secrets.get(id))?.eventsToken;
  if (made) return made;
  const eventsToken = base32(deps.random(32));
  await deps.secrets.patch(id, { eventsToken });
  return eventsToken;
}
