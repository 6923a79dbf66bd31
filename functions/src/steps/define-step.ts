import { isAppError, scrubSecrets, type Step } from '@visgate/shared';
import type { DeploymentMessage, Topic } from '../ports';
import type { Deps } from '../deps';
import { IN_CREATION, failDeployment } from './lifecycle';

/**
 * Which delivery of a message this is (1 = first), when the transport says: the embedded bus
 * always does; Pub/Sub does on a subscription with a dead-letter policy (the push body's
 * `deliveryAttempt`); null when unknown.
 */
export interface StepDelivery {
  attempt: number | null;
}

export type StepHandler = (msg: DeploymentMessage) => Promise<void>;
export type BoundedStepHandler = (msg: DeploymentMessage, delivery?: StepDelivery) => Promise<void>;

/** The creation steps, by topic, and the pipeline step a give-up is recorded against. */
const CREATION_STEPS: Partial<Record<Topic, Step>> = {
  'deployment-validate': 'validate',
  'deployment-select-gpu': 'select_gpu',
  'deployment-provision': 'provision',
};

/**
 * Counts one more failed run of `step` in the deployment (`runtime.step_failures`), while the
 * deployment is still being created. Returns the new count, or null when nothing was counted (the
 * deployment is gone or has moved on, or the store could not be written).
 */
async function countFailure(
  deps: Pick<Deps, 'store' | 'clock' | 'log'>,
  id: string,
  step: Step,
): Promise<number | null> {
  try {
    const written = await deps.store.mutate(id, (doc) => {
      if (!IN_CREATION.includes(doc.status)) return null;
      const failures = doc.runtime.step_failures ?? {};
      return {
        ...doc,
        runtime: {
          ...doc.runtime,
          step_failures: { ...failures, [step]: (failures[step] ?? 0) + 1 },
        },
        updated_at: deps.clock.now().toISOString(),
      };
    });
    return written?.runtime.step_failures?.[step] ?? null;
  } catch (e) {
    deps.log.warn('could not count a failed step', {
      deployment_id: id,
      step,
      error: e instanceof Error ? scrubSecrets(e.message) : 'non-error thrown',
    });
    return null;
  }
}

/** Forgets the failures counted for `step` once it has run through (a later run starts afresh). */
async function clearFailures(
  deps: Pick<Deps, 'store' | 'log'>,
  id: string,
  step: Step,
): Promise<void> {
  await deps.store
    .mutate(id, (doc) => {
      const failures = doc.runtime.step_failures;
      if (failures?.[step] === undefined) return null;
      const { [step]: _cleared, ...rest } = failures;
      return { ...doc, runtime: { ...doc.runtime, step_failures: rest } };
    })
    .catch((e: unknown) => {
      // The step itself went through; a stale count only makes a later run of it give up sooner.
      deps.log.warn('could not clear the failures of a step that went through', {
        deployment_id: id,
        step,
        error: e instanceof Error ? scrubSecrets(e.message) : 'non-error thrown',
      });
    });
}

/**
 * Bounds a bus step: when the handler has thrown `STEP_MAX_ATTEMPTS` times for the same deployment
 * and step, the deployment ends `failed` — with the error's code when it is an AppError, INTERNAL
 * otherwise — its `deployment.failed` webhook is sent, and the message is acknowledged instead of
 * being redelivered for ever. Earlier attempts rethrow, so the bus redelivers with backoff.
 *
 * The count is the larger of the delivery attempt the transport reports (the embedded bus always
 * does; Pub/Sub only sometimes, see StepDelivery) and the failures the step counted itself in the
 * deployment document, so the bound holds on every transport. The teardown step is not bounded
 * here (a deletion cannot fail); its dead letter is left to the reaper.
 */
export function boundedStep(
  deps: Pick<Deps, 'config' | 'store' | 'clock' | 'bus' | 'tasks' | 'log'>,
  topic: Topic,
  handler: StepHandler,
): BoundedStepHandler {
  const step = CREATION_STEPS[topic];
  return async (msg, delivery) => {
    try {
      await handler(msg);
    } catch (e) {
      if (step === undefined) throw e;
      const counted = await countFailure(deps, msg.deployment_id, step);
      const attempt = Math.max(delivery?.attempt ?? 0, counted ?? 0);
      const max = deps.config.STEP_MAX_ATTEMPTS;
      if (attempt < max) throw e;
      const known = isAppError(e);
      deps.log.error('step failed on its last attempt; failing the deployment', {
        deployment_id: msg.deployment_id,
        topic,
        attempt,
        error: e instanceof Error ? scrubSecrets(e.message) : 'non-error thrown',
      });
      await failDeployment(deps, msg.deployment_id, IN_CREATION, {
        code: known ? e.code : 'INTERNAL',
        message: `the ${step} step failed ${attempt} times in a row${
          known ? `: ${scrubSecrets(e.message)}` : ' (internal error)'
        }`,
        step,
      });
      return;
    }
    if (step !== undefined) await clearFailures(deps, msg.deployment_id, step);
  };
}
