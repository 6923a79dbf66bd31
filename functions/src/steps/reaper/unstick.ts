import type { Deployment } from '@visgate/shared';
import type { Deps } from '../../deps';
import { failDeployment } from '../lifecycle';
import { enqueuePoll } from '../poll/enqueue-poll';
import { decideUnstick } from './decide-unstick';

export type UnstickDeps = Pick<Deps, 'config' | 'store' | 'bus' | 'tasks' | 'clock' | 'log'>;

/**
 * Carries out `decideUnstick` for one in-flight deployment. Each effect is safe to repeat when two
 * reaper cycles overlap: a failure applies only from the status read, poll tasks are named per
 * attempt, and a re-published step checks its own status first. Answers the report field this
 * counts toward, or null when nothing was done.
 */
export async function unstick(
  deps: UnstickDeps,
  doc: Deployment,
  now: Date,
): Promise<'nudged' | 'failed' | null> {
  const id = doc.deployment_id;
  const decision = decideUnstick(doc, now, {
    stepDeadlineS: deps.config.STEP_DEADLINE_S,
    loadTimeoutS: deps.config.LOAD_TIMEOUT_S,
    pollMaxIntervalMs: deps.config.POLL_MAX_INTERVAL_MS,
  });
  switch (decision.kind) {
    case 'wait':
      return null;
    case 'fail': {
      const { code, message, step } = decision;
      return (await failDeployment(deps, id, [doc.status], { code, message, step }))
        ? 'failed'
        : null;
    }
    case 'repoll':
      await enqueuePoll(deps, id, decision.attempt);
      return 'nudged';
    case 'republish':
      await deps.bus.publish(decision.topic, { deployment_id: id });
      // The first nudge in a status is recorded: decideUnstick gives up a deadline after it.
      if (decision.firstNudge) {
        await deps.store.mutate(id, (d) =>
          d.status === doc.status
            ? { ...d, runtime: { ...d.runtime, nudged_at: now.toISOString() } }
            : null,
        );
      }
      return 'nudged';
  }
}
