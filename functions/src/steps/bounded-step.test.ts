import { AppError } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { createEmbeddedDocumentStore } from '../adapters/embedded/document-store';
import { createMemoryLogger } from '../adapters/log/json-logger';
import { boundedStep } from './bounded-step';
import type { Deps } from '../deps';

// The failures a step counts itself bound it where the transport reports no delivery attempt
// (Pub/Sub push); a run that goes through forgets them, so a later run of the step starts afresh.

function setup() {
  const store = createEmbeddedDocumentStore();
  const deps = {
    config: { STEP_MAX_ATTEMPTS: 3 } as Deps['config'],
    store,
    clock: { now: () => new Date('2026-01-01T00:00:00Z') },
    log: createMemoryLogger('silent'),
  } as unknown as Deps;
  let failing = true;
  const step = boundedStep(deps, 'deployment-validate', () => {
    if (failing) return Promise.reject(new AppError('UPSTREAM_UNAVAILABLE', 'hub down'));
    return Promise.resolve();
  });
  return {
    store,
    step,
    setFailing: (v: boolean) => {
      failing = v;
    },
  };
}

describe('boundedStep without a delivery attempt', () => {
  it('counts each failure in runtime.step_failures and clears the count when the step goes through', async () => {
    const { store, step, setFailing } = setup();
    const doc = aDeployment({ status: 'validating' });
    await store.create(doc);
    const msg = { deployment_id: doc.deployment_id };
    const delivery = { attempt: null };

    await expect(step(msg, delivery)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await expect(step(msg, delivery)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect((await store.get(doc.deployment_id))?.runtime.step_failures).toEqual({ validate: 2 });

    setFailing(false);
    await step(msg, delivery);
    expect((await store.get(doc.deployment_id))?.runtime.step_failures).toEqual({});

    // Two failures after the success are below the bound again: the deployment is not failed.
    setFailing(true);
    await expect(step(msg, delivery)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await expect(step(msg, delivery)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    const after = await store.get(doc.deployment_id);
    expect(after?.status).toBe('validating');
    expect(after?.runtime.step_failures).toEqual({ validate: 2 });
  });
});
