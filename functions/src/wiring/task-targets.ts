import type { Config } from '../config';
import type { TaskTarget } from '../adapters/gcp/cloud-tasks-queue';
import { FUNCTIONS, INVOKER_SERVICE_ACCOUNT } from '../entry/manifest';
import { QUEUES, type QueueName } from '../ports';

/** The function each queue's tasks are POSTed to (see entry/manifest.ts). */
export const QUEUE_TARGET_FUNCTION: Record<QueueName, string> = {
  'deployment-poll': 'poll',
  'webhook-delivery': 'deliverWebhook',
  'deployment-settle': 'settle',
  'job-poll': 'pollJob',
  'cache-fill': 'cacheFill',
};

/**
 * A task's dispatch deadline is its target function's timeout, within Cloud Tasks' limits for HTTP
 * targets (15 s to 30 min), so a long cache fill is not cut off and retried at the 10-minute default
 * while it is still copying.
 */
export function dispatchDeadlineS(queue: QueueName): number {
  const fn = FUNCTIONS.find((f) => f.name === QUEUE_TARGET_FUNCTION[queue]);
  return Math.min(1800, Math.max(15, fn?.timeoutS ?? 600));
}

export function requireProject(config: Config): string {
  if (!config.GCP_PROJECT_ID) throw new Error('GCP_PROJECT_ID is not configured');
  return config.GCP_PROJECT_ID;
}

/**
 * A deployed function's URL: FUNCTIONS_BASE_URL (default `https://REGION-PROJECT.cloudfunctions.net`)
 * plus its name. The one place task targets and the scheduler target learn where a function lives.
 */
export function functionUrl(config: Config, name: string): string {
  const base =
    config.FUNCTIONS_BASE_URL ??
    `https://${config.GCP_REGION}-${requireProject(config)}.cloudfunctions.net`;
  return `${base.replace(/\/$/, '')}/${name}`;
}

/** The account Cloud Tasks and Cloud Scheduler mint OIDC tokens as (and the task targets accept). */
export function invokerServiceAccount(config: Config): string {
  return (
    config.TASKS_INVOKER_SA ??
    `${INVOKER_SERVICE_ACCOUNT}@${requireProject(config)}.iam.gserviceaccount.com`
  );
}

/** Where each queue's tasks go: explicit URL, else the target function's URL. */
export function taskTargets(config: Config): Record<QueueName, TaskTarget> {
  const explicit: Record<QueueName, string | undefined> = {
    'deployment-poll': config.TASKS_POLL_URL,
    'webhook-delivery': config.TASKS_WEBHOOK_DELIVERY_URL,
    'deployment-settle': config.TASKS_SETTLE_URL,
    'job-poll': config.TASKS_JOB_POLL_URL,
    'cache-fill': config.TASKS_CACHE_FILL_URL,
  };
  return Object.fromEntries(
    QUEUES.map((q) => {
      const url = explicit[q] ?? functionUrl(config, QUEUE_TARGET_FUNCTION[q]);
      return [
        q,
        {
          url,
          audience: config.TASKS_OIDC_AUDIENCE ?? url,
          dispatchDeadlineS: dispatchDeadlineS(q),
        },
      ];
    }),
  ) as Record<QueueName, TaskTarget>;
}
