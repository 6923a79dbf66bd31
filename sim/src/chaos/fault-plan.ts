import { seededRandom } from '../seeded-random';
import type { RunPodApi, WebhookSender } from '@visgate/functions';

export type FaultKind =
  '5xx' | '429' | 'timeout' | 'lost-response' | 'crash-after-side-effect' | 'crash-after-webhook';

/** Which faults fire, how often, and how many fired: shared by every wrapper of one chaos run. */
export interface FaultPlan {
  enabled: boolean;
  /** Share (0..1) of outbound calls that get a fault. */
  rate: number;
  random: () => number;
  calls: number;
  injected: Record<FaultKind, number>;
}

export function createFaultPlan(seed: number, rate: number): FaultPlan {
  return {
    enabled: true,
    rate,
    random: seededRandom(seed),
    calls: 0,
    injected: {
      '5xx': 0,
      '429': 0,
      timeout: 0,
      'lost-response': 0,
      'crash-after-side-effect': 0,
      'crash-after-webhook': 0,
    },
  };
}

const problem = (status: number, title: string, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify({ title, status, detail: 'injected by the chaos run' }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });

const timeout = (message: string): Error =>
  Object.assign(new Error(message), { name: 'TimeoutError' });

/**
 * A fetch for the RunPod and Hub clients that answers 5xx or 429 (Retry-After), times out before the
 * request, or lets a write through and then loses the response (the nastiest case: the side effect
 * happened and the caller does not know).
 */
export function faultyFetch(plan: FaultPlan, base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    if (!plan.enabled) return base(input, init);
    plan.calls += 1;
    const r = plan.random() / plan.rate;
    if (r < 0.25) {
      plan.injected['5xx'] += 1;
      return problem(503, 'Service Unavailable');
    }
    if (r < 0.45) {
      plan.injected['429'] += 1;
      return problem(429, 'Too Many Requests', { 'retry-after': '1' });
    }
    if (r < 0.65) {
      plan.injected.timeout += 1;
      throw timeout('chaos: request timed out');
    }
    if (r < 1) {
      if ((init?.method ?? 'GET') === 'GET') {
        plan.injected.timeout += 1;
        throw timeout('chaos: request timed out');
      }
      const res = await base(input, init);
      await res.body?.cancel();
      plan.injected['lost-response'] += 1;
      throw timeout('chaos: response lost after the request was handled');
    }
    return base(input, init);
  };
}

const SIDE_EFFECTS = [
  'createTemplate',
  'createEndpoint',
  'updateEndpoint',
  'setModelReferences',
  'deleteEndpoint',
  'deleteTemplate',
] as const;

/** RunPod that sometimes "crashes the handler" right after a side effect succeeded. */
export function crashAfterSideEffects(api: RunPodApi, plan: FaultPlan): RunPodApi {
  const wrapped: RunPodApi = { ...api };
  for (const name of SIDE_EFFECTS) {
    const original = (api as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
      name
    ];
    (wrapped as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const result = await original?.apply(api, args);
      if (plan.enabled && plan.random() < plan.rate / 4) {
        plan.injected['crash-after-side-effect'] += 1;
        throw new Error(`chaos: crashed right after ${name}`);
      }
      return result;
    };
  }
  return wrapped;
}

/** A webhook sender whose caller sometimes crashes right after the receiver accepted the event. */
export function crashAfterWebhook(sender: WebhookSender, plan: FaultPlan): WebhookSender {
  return {
    async send(req) {
      const result = await sender.send(req);
      if (
        plan.enabled &&
        result.status !== null &&
        result.status < 300 &&
        plan.random() < plan.rate / 4
      ) {
        plan.injected['crash-after-webhook'] += 1;
        throw new Error('chaos: crashed right after the webhook was sent');
      }
      return result;
    },
  };
}

export { seededRandom };
