import {
  IN_CREATION,
  isAppError,
  isPast,
  scrubSecrets,
  type Deployment,
  type DeploymentStatus,
  type Step,
} from '@visgate/shared';
import type { DeploymentMessage, DeploymentSecrets } from '../ports';
import type { Deps } from '../deps';
import { failDeployment } from './lifecycle';
import { clearFailures, countFailure } from './step-failures';

/**
 * Which delivery of a message this is (1 = first), when the transport says: the embedded bus
 * always does; Pub/Sub does on a subscription with a dead-letter policy (the push body's
 * `deliveryAttempt`); null when unknown.
 */
export interface StepDelivery {
  attempt: number | null;
}

/** A bus step as the transports call it. */
export type StepHandler = (msg: DeploymentMessage, delivery?: StepDelivery) => Promise<void>;

export interface StepSpec {
  /** The pipeline step a failure is recorded against (`error.step`, `runtime.step_failures`). */
  name: Step;
  /** The statuses the step acts on, in pipeline order; on any other it does nothing. */
  status: readonly DeploymentStatus[];
  /**
   * A delivery that finds the deployment past this step: the commit landed but the hand-off may
   * not have (a crash between the two), so send it again; the next step is idempotent.
   */
  onPast?: (doc: Deployment) => Promise<void>;
}

export type StepRunnerDeps = Pick<
  Deps,
  'config' | 'store' | 'secrets' | 'clock' | 'bus' | 'tasks' | 'log'
>;

/**
 * The one runner of the creation steps. It owns what every step repeats: load the deployment,
 * ignore a stale or duplicate delivery, re-send the hand-off of a step already done, and the
 * outcome of an error the step does not handle itself:
 *
 * - an AppError whose policy is `fail` (ON_STEP_FAILURE, beside the error codes) ends the
 *   deployment `failed` with its code, sends `deployment.failed` and acknowledges the message;
 * - one whose policy is `defer` (another run holds the work) is redelivered but never counted;
 * - anything else is thrown so the transport redelivers, at most STEP_MAX_ATTEMPTS times: the count
 *   is the larger of the delivery attempt the transport reports and the failures the step counted
 *   in the document itself (Pub/Sub push does not always report one), and the last attempt fails
 *   the deployment with the error's code (INTERNAL for a bug) instead of redelivering for ever.
 *
 * `run` gets the document as loaded, in one of `spec.status`, and its secrets (read at the same
 * time: every creation step needs them); it commits with guarded mutations.
 */
export function defineStep(
  deps: StepRunnerDeps,
  spec: StepSpec,
  run: (doc: Deployment, secrets: DeploymentSecrets | null) => Promise<void>,
): StepHandler {
  const last = spec.status[spec.status.length - 1];
  return async (msg, delivery) => {
    const id = msg.deployment_id;
    const [doc, secrets] = await Promise.all([deps.store.get(id), deps.secrets.get(id)]);
    if (!doc) return;
    if (last !== undefined && isPast(doc, last)) {
      await spec.onPast?.(doc);
      return;
    }
    if (!spec.status.includes(doc.status)) return;
    try {
      await run(doc, secrets);
    } catch (e) {
      await onError(deps, spec, id, e, delivery);
      return;
    }
    // Failures counted by earlier runs are forgotten once the step runs through; without any
    // (the usual case) this costs no write.
    if (doc.runtime.step_failures?.[spec.name] !== undefined)
      await clearFailures(deps, id, spec.name);
  };
}

async function onError(
  deps: StepRunnerDeps,
  spec: StepSpec,
  id: string,
  e: unknown,
  delivery: StepDelivery | undefined,
): Promise<void> {
  if (isAppError(e) && e.onStep === 'fail') {
    await failDeployment(deps, id, spec.status, {
      code: e.code,
      message: e.message,
      step: spec.name,
    });
    return;
  }
  if (isAppError(e) && e.onStep === 'defer') {
    // Another run holds the work and will commit it (or its lease expires and a redelivery takes
    // over). On the transport's last attempt, acknowledge: the reaper re-publishes a stalled step.
    if ((delivery?.attempt ?? 0) < deps.config.STEP_MAX_ATTEMPTS) throw e;
    deps.log.warn('step deferred on its last delivery; leaving it to the run that holds it', {
      deployment_id: id,
      step: spec.name,
    });
    return;
  }
  const counted = await countFailure(deps, id, spec.name);
  const attempt = Math.max(delivery?.attempt ?? 0, counted ?? 0);
  if (attempt < deps.config.STEP_MAX_ATTEMPTS) throw e;
  const known = isAppError(e);
  deps.log.error('step failed on its last attempt; failing the deployment', {
    deployment_id: id,
    step: spec.name,
    attempt,
    error: e instanceof Error ? scrubSecrets(e.message) : 'non-error thrown',
  });
  await failDeployment(deps, id, IN_CREATION, {
    code: known ? e.code : 'INTERNAL',
    message: `the ${spec.name} step failed ${attempt} times in a row${
      known ? `: ${scrubSecrets(e.message)}` : ' (internal error)'
    }`,
    step: spec.name,
  });
}
