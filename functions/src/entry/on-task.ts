import type { HttpFunction } from '@google-cloud/functions-framework';
import type { Logger, TaskHandler } from '../ports';
import type { RequestAuthenticator } from './task-auth';

/**
 * Adapts a task handler to an HTTP target of Cloud Tasks (or Cloud Scheduler): 403 without a valid
 * invoker token, 204 when the handler returns (Cloud Tasks deletes the task), 500 when it throws
 * (Cloud Tasks retries with the queue's backoff). A body that is not a JSON object is logged and
 * answered 204: retrying a malformed task cannot help.
 */
export function onTask(
  handler: TaskHandler,
  authenticate: RequestAuthenticator,
  log: Logger,
): HttpFunction {
  return async (req, res) => {
    if (req.method !== 'POST') {
      res.status(405).end();
      return;
    }
    if (!(await authenticate(req.get('authorization')))) {
      log.warn('rejected a task request without a valid invoker token', { path: req.path });
      res.status(403).end();
      return;
    }
    const body: unknown = req.body;
    const queue = req.get('x-cloudtasks-queuename') ?? null;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      log.error('dropping malformed task', { queue, task: req.get('x-cloudtasks-taskname') });
      res.status(204).end();
      return;
    }
    const meta = {
      name: req.get('x-cloudtasks-taskname') ?? null,
      retryCount: Number(req.get('x-cloudtasks-taskretrycount') ?? 0),
    };
    try {
      await handler(body as Record<string, unknown>, meta);
      res.status(204).end();
    } catch (e) {
      log.warn('task failed; Cloud Tasks will retry', {
        queue,
        task: meta.name,
        retry_count: meta.retryCount,
        error: e instanceof Error ? e.message : String(e),
      });
      res.status(500).send('retry');
    }
  };
}
