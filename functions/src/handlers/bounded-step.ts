import { isAppError, scrubSecrets, type DeploymentStatus, type Step } from '@visgate/shared';
import type { DeploymentMessage, Topic } from '../ports';
import type { Deps } from './deps';
import { failDeployment } from './lifecycle';

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

/** Statuses a creation step can leave a deployment in while it keeps failing. */
const IN_CREATION: readonly DeploymentStatus[] = [
  'queued',
  'validating',
  'selecting_gpu',
  'provisioning',
  'loading',
];

/**
 * Bounds a bus step: when the handler throws on delivery `STEP_MAX_ATTEMPTS` (or later) of the same
 * message, the deployment ends `failed` — with the error's code when it is an AppError, INTERNAL
 * otherwise — its `deployment.failed` webhook is sent, and the message is acknowledged instead of
 * being redelivered for ever. Earlier attempts rethrow, so the bus redelivers with backoff. The
 * teardown step is not bounded here (a deletion cannot fail); its dead letter is left to the reaper.
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
      const attempt = delivery?.attempt ?? null;
      const max = deps.config.STEP_MAX_ATTEMPTS;
      if (step === undefined || attempt === null || attempt < max) throw e;
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
    }
  };
}
