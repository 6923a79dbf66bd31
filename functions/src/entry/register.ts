import * as ff from '@google-cloud/functions-framework';
import type { Config } from '../config';
import { createApp } from '../edge/app';
import type { Deps } from '../deps';
import { createReaperCycle, type ReaperCycle } from '../wiring/reaper-cycle';
import { createStepHandlers, type StepTable } from '../wiring/step-table';
import { functionUrl, invokerServiceAccount, taskTargets } from '../wiring/task-targets';
import type { WiredDeps } from '../wiring/wired-deps';
import { FUNCTIONS, type FunctionSpec } from './manifest';
import { onPubSub, type PubSubEventData } from './on-pub-sub';
import { onTask } from './on-task';
import { acceptAll, createOidcAuthenticator, type RequestAuthenticator } from './task-auth';

export interface EntryContext {
  deps: Deps;
  steps: StepTable;
  /** The reaper cycle the scheduler target runs (wiring/reaper-cycle.ts, as local mode's timer). */
  reap: ReaperCycle;
  /** The token check for a task or scheduler target. */
  authenticate: RequestAuthenticator;
}

export type Registration =
  | { kind: 'http'; handler: ff.HttpFunction }
  | { kind: 'cloudevent'; handler: ff.CloudEventFunction<PubSubEventData> };

/**
 * One function's wiring. Pub/Sub and task functions run the step handler of their topic or queue
 * (createStepHandlers: the same table local mode subscribes), so the manifest's trigger alone
 * decides what a function does. workerEvents is a route of `api` (same public ingress, its own
 * per-deployment bearer token), not a function of its own.
 */
export function wireFunction(spec: FunctionSpec, ctx: EntryContext): Registration {
  const { deps, authenticate } = ctx;
  const t = spec.trigger;
  switch (t.kind) {
    case 'http':
      return { kind: 'http', handler: createApp(deps) };
    case 'pubsub':
      return { kind: 'cloudevent', handler: onPubSub(ctx.steps.topics[t.topic], deps.log) };
    case 'task':
      return { kind: 'http', handler: onTask(ctx.steps.queues[t.queue], authenticate, deps.log) };
    case 'scheduler': {
      const cycle = async (): Promise<void> => {
        deps.log.info('reaper cycle', { ...(await ctx.reap()) });
      };
      return { kind: 'http', handler: onTask(cycle, authenticate, deps.log) };
    }
  }
}

/** The audience a task or scheduler target expects in its OIDC token: its own URL by default. */
export function audienceOf(config: Config, spec: FunctionSpec): string | null {
  const t = spec.trigger;
  if (t.kind === 'task') return taskTargets(config)[t.queue].audience;
  if (t.kind !== 'scheduler') return null;
  return config.TASKS_OIDC_AUDIENCE ?? functionUrl(config, spec.name);
}

function authenticatorFor(config: Config, spec: FunctionSpec): RequestAuthenticator {
  const audience = audienceOf(config, spec);
  if (audience === null) return acceptAll; // http/pubsub: api does its own auth, Eventarc is IAM
  return createOidcAuthenticator({ audience, serviceAccount: invokerServiceAccount(config) });
}

/** Registers every manifest function with functions-framework (`--target` picks one to serve). */
export function registerFunctions(wired: Pick<WiredDeps, 'deps' | 'scanner'>): void {
  const { deps } = wired;
  const steps = createStepHandlers(deps);
  const reap = createReaperCycle(wired);
  for (const spec of FUNCTIONS) {
    const reg = wireFunction(spec, {
      deps,
      steps,
      reap,
      authenticate: authenticatorFor(deps.config, spec),
    });
    if (reg.kind === 'http') ff.http(spec.name, reg.handler);
    else ff.cloudEvent(spec.name, reg.handler);
  }
}
