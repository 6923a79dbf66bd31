import { IN_CREATION, scrubSecrets, type Step } from '@visgate/shared';
import type { Deps } from '../deps';

/**
 * Counts one more failed run of `step` in the deployment (`runtime.step_failures`), while the
 * deployment is still being created. Returns the new count, or null when nothing was counted (the
 * deployment is gone or has moved on, or the store could not be written).
 */
export async function countFailure(
  deps: Pick<Deps, 'store' | 'log'>,
  id: string,
  step: Step,
): Promise<number | null> {
  try {
    const written = await deps.store.mutate(id, (doc) => {
      if (!IN_CREATION.includes(doc.status)) return null;
      const failures = doc.runtime.step_failures ?? {};
      return {
        ...doc,
        // Bookkeeping, not progress: `updated_at` stays, so the reaper still sees the stall.
        runtime: {
          ...doc.runtime,
          step_failures: { ...failures, [step]: (failures[step] ?? 0) + 1 },
        },
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
export async function clearFailures(
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
