import type { Deployment, DeploymentStatus, ErrorCode, Step } from '@visgate/shared';
import type { Topic } from '../../ports';
import { secondsSince } from './age';

export interface UnstickSettings {
  /** How long a step may go without progress before its message is re-published (STEP_DEADLINE_S). */
  stepDeadlineS: number;
  /** How long a worker may take to load the model (LOAD_TIMEOUT_S). */
  loadTimeoutS: number;
  /** The longest gap between two polls of a loading deployment (POLL_MAX_INTERVAL_MS). */
  pollMaxIntervalMs: number;
}

export type UnstickDecision =
  | { kind: 'wait' }
  /**
   * Re-publish the step's message: a lost or crashed delivery is the usual cause. `firstNudge`:
   * the first in this status, whose time the give-up is counted from (later ones keep it).
   */
  | { kind: 'republish'; topic: Topic; firstNudge: boolean }
  /** Re-enqueue the poll chain of a loading deployment whose next poll was lost. */
  | { kind: 'repoll'; attempt: number }
  /** Give up: the step did not move after a nudge either (or the model never loaded). */
  | { kind: 'fail'; code: ErrorCode; message: string; step: Step };

/** The message that drives each status forward; `loading` is driven by the poll queue instead. */
const STEP_TOPIC: Partial<Record<DeploymentStatus, Topic>> = {
  queued: 'deployment-validate',
  validating: 'deployment-validate',
  selecting_gpu: 'deployment-select-gpu',
  provisioning: 'deployment-provision',
  deleting: 'deployment-teardown',
  failed: 'deployment-teardown',
};

/** The step a status belongs to, for the error of a deployment that stayed stuck in it. */
function stepOf(status: DeploymentStatus): Step {
  if (status === 'provisioning') return 'provision';
  if (status === 'selecting_gpu') return 'select_gpu';
  return 'validate';
}

/**
 * What the reaper does for one deployment still on its way (queued … loading, or deleting). A step
 * past STEP_DEADLINE_S is nudged once; if it is still stuck a deadline after the nudge it fails, so
 * a poison message cannot keep a deployment (and its lease) alive forever. `deleting` is never
 * failed: teardown is what releases the resources, so it is nudged for as long as it takes.
 * A loading deployment has its own clock: LOAD_TIMEOUT_S plus one deadline of slack for the poller
 * to say so first. Pure: time and settings are parameters.
 */
export function decideUnstick(doc: Deployment, now: Date, s: UnstickSettings): UnstickDecision {
  const age = (iso: string | null): number => secondsSince(iso, now);
  if (doc.status === 'loading') {
    const loadLimitS = s.loadTimeoutS + s.stepDeadlineS;
    if (age(doc.runtime.loading_started_at) > loadLimitS) {
      return {
        kind: 'fail',
        code: 'LOAD_TIMEOUT',
        message: `not ready ${Math.round(loadLimitS)} s after the endpoint was created`,
        step: 'poll',
      };
    }
    // Four missed polls in a row: the poll chain was lost, not merely slow.
    if (age(doc.updated_at) > (s.pollMaxIntervalMs / 1000) * 4) {
      return { kind: 'repoll', attempt: doc.runtime.poll_attempt + 1 };
    }
    return { kind: 'wait' };
  }
  if (age(doc.updated_at) < s.stepDeadlineS) return { kind: 'wait' };
  // The give-up is counted from the first nudge in this status (one from before the last status
  // change belongs to an earlier step). Every cycle re-publishes, since a lost message is cheap to
  // send again, but only the first nudge is recorded: moving `nudged_at` forward on each one would
  // put the give-up off for ever.
  const nudgedAt = doc.runtime.nudged_at;
  const enteredAt = doc.history.at(-1)?.at ?? doc.created_at;
  const nudged = nudgedAt !== null && Date.parse(nudgedAt) >= Date.parse(enteredAt);
  if (nudged && doc.status !== 'deleting' && age(nudgedAt) >= s.stepDeadlineS) {
    return {
      kind: 'fail',
      code: 'UPSTREAM_UNAVAILABLE',
      message: `stuck in ${doc.status} for ${Math.round(age(doc.updated_at))} s; gave up`,
      step: stepOf(doc.status),
    };
  }
  const topic = STEP_TOPIC[doc.status];
  return topic ? { kind: 'republish', topic, firstNudge: !nudged } : { kind: 'wait' };
}
