import { createCacheFill } from '../steps/cache-fill/cache-fill';
import type { StepHandler } from '../steps/define-step';
import { createDeliverWebhook } from '../steps/deliver-webhook/deliver-webhook';
import { createDeliverJobWebhook } from '../steps/deliver-webhook/deliver-job-webhook';
import { createPollJob } from '../steps/poll-job/poll-job';
import type { Deps } from '../deps';
import { createPoll } from '../steps/poll/poll';
import { createProvision } from '../steps/provision/provision';
import { createSelectGpu } from '../steps/select-gpu/select-gpu';
import { createSettle } from '../steps/settle/settle';
import { createTeardown } from '../steps/teardown/teardown';
import { createValidate } from '../steps/validate/validate';
import type { QueueName, TaskHandler, Topic } from '../ports';

// Mode-neutral on purpose: this module imports steps and ports only (no embedded adapter, no Google
// SDK), so the deployed bundle and local runs can both load it (wiring/mode-boundaries.test.ts).

/**
 * Every step's handler by the topic or queue that triggers it: the table the Cloud Functions entry
 * points (functions/src/entry/register.ts) and the embedded system wire, keyed by the closed sets in
 * ports.ts so a new topic or queue does not compile until it has a handler.
 */
export function createStepHandlers(deps: Deps): {
  topics: Record<Topic, StepHandler>;
  queues: Record<QueueName, TaskHandler>;
} {
  const deliverDeploymentWebhook = createDeliverWebhook(deps);
  const deliverJobWebhook = createDeliverJobWebhook(deps);
  return {
    topics: {
      'deployment-validate': createValidate(deps),
      'deployment-select-gpu': createSelectGpu(deps),
      'deployment-provision': createProvision(deps),
      'deployment-teardown': createTeardown(deps),
    },
    queues: {
      'deployment-poll': createPoll(deps),
      'webhook-delivery': (payload) =>
        typeof payload.job_id === 'string'
          ? deliverJobWebhook(payload)
          : deliverDeploymentWebhook(payload),
      'deployment-settle': createSettle(deps),
      'job-poll': createPollJob(deps),
      'cache-fill': createCacheFill(deps),
    },
  };
}

export type StepTable = ReturnType<typeof createStepHandlers>;
