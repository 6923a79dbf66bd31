import type { JobRecord } from './sim-types';
import type { SimWorld } from './sim-world';

/**
 * RunPod's job webhook: once a job ends, POST its status body (unsigned) to the `webhook` given at
 * `/run`, retrying twice as RunPod does (10 s there, `callbackBackoffMs` here). Failures are dropped.
 */
export function notifyJobWebhook(world: SimWorld, job: JobRecord): void {
  const url = job.webhook;
  if (url === null) return;
  const body = JSON.stringify({
    id: job.id,
    status: job.status,
    ...(job.output !== undefined ? { output: job.output } : {}),
    ...(job.error !== undefined ? { error: job.error } : {}),
  });
  const scope = world.scope.child();
  const attempt = (n: number): void => {
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .then((res) => {
        if (res.ok || n >= 2) scope.clear();
        else
          scope.after(world.options.callbackBackoffMs, () => {
            attempt(n + 1);
          });
      })
      .catch(() => {
        if (n < 2)
          scope.after(world.options.callbackBackoffMs, () => {
            attempt(n + 1);
          });
        else scope.clear();
      });
  };
  attempt(0);
}
