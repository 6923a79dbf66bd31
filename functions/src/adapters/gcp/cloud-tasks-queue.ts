import { createHash } from 'node:crypto';
import type { CloudTasksClient } from '@google-cloud/tasks';
import type { Clock, QueueName, TaskQueue } from '../../ports';
import { GRPC, hasGrpcCode } from './grpc-errors';

/** Where a queue's tasks go and how they authenticate there. */
export interface TaskTarget {
  url: string;
  /** OIDC audience the target checks; usually its URL. */
  audience: string;
  /**
   * How long Cloud Tasks waits for the target before it counts the attempt as failed and retries
   * (its default is 10 min; 30 min is the most an HTTP target may get). Omitted: the default.
   */
  dispatchDeadlineS?: number;
}

export interface CloudTasksQueueOptions {
  projectId: string;
  location: string;
  targets: Record<QueueName, TaskTarget>;
  /** Service account Cloud Tasks mints the OIDC token as (needs roles/run.invoker on the target). */
  invokerServiceAccount: string | null;
  clock: Clock;
}

/**
 * Cloud Tasks ids must match [A-Za-z0-9_-]{1,500}. A hash prefix spreads names over the key space
 * (sequential names make hot spots in Cloud Tasks' index, per its docs) and keeps distinct inputs
 * distinct after the unsafe characters are replaced.
 */
export function taskId(name: string): string {
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return `${hash}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 500);
}

/**
 * TaskQueue on Cloud Tasks: one HTTP POST task per enqueue to the queue's target function, JSON
 * payload as the body, `scheduleTime` for delays, OIDC token for the invoker service account.
 * A named task that already exists (or existed within the last hour) is ALREADY_EXISTS: the dedupe
 * we want, so it resolves.
 */
export function createCloudTasksQueue(
  client: CloudTasksClient,
  options: CloudTasksQueueOptions,
): TaskQueue {
  return {
    async enqueue(task) {
      const parent = client.queuePath(options.projectId, options.location, task.queue);
      const target = options.targets[task.queue];
      const delayMs = task.delayMs ?? 0;
      const at = options.clock.now().getTime() + delayMs;
      try {
        await client.createTask({
          parent,
          task: {
            ...(task.name === undefined ? {} : { name: `${parent}/tasks/${taskId(task.name)}` }),
            ...(delayMs > 0
              ? {
                  scheduleTime: {
                    seconds: Math.floor(at / 1000),
                    nanos: (at % 1000) * 1_000_000,
                  },
                }
              : {}),
            ...(target.dispatchDeadlineS === undefined
              ? {}
              : { dispatchDeadline: { seconds: target.dispatchDeadlineS } }),
            httpRequest: {
              url: target.url,
              httpMethod: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: Buffer.from(JSON.stringify(task.payload)),
              ...(options.invokerServiceAccount === null
                ? {}
                : {
                    oidcToken: {
                      serviceAccountEmail: options.invokerServiceAccount,
                      audience: target.audience,
                    },
                  }),
            },
          },
        });
      } catch (e) {
        if (task.name !== undefined && hasGrpcCode(e, GRPC.ALREADY_EXISTS)) return;
        throw e;
      }
    },
  };
}
