import type { Deps } from '../../deps';

/** Schedules poll attempt `attempt`; the task name dedupes duplicate schedulers of the same attempt. */
export async function enqueuePoll(
  deps: Pick<Deps, 'tasks' | 'config'>,
  id: string,
  attempt: number,
): Promise<void> {
  const base = deps.config.POLL_INTERVAL_MS;
  const delayMs = Math.min(
    deps.config.POLL_MAX_INTERVAL_MS,
    Math.round(base * 1.25 ** Math.max(0, attempt - 1)),
  );
  await deps.tasks.enqueue({
    queue: 'deployment-poll',
    name: `poll-${id}-${attempt}`,
    payload: { deployment_id: id, attempt },
    delayMs,
  });
}
