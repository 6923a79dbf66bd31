import { AppError, type ErrorCode } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { createEmbeddedDocumentStore } from '../adapters/embedded/document-store';
import { createMemoryLogger } from '../adapters/log/json-logger';
import { defineStep, type StepRunnerDeps } from './define-step';

// The one step runner: load, stale/duplicate guard, hand-off re-send, and the failure policy per
// error code (fail now vs redeliver, bounded by STEP_MAX_ATTEMPTS).

function setup(run: () => Promise<void> = () => Promise.resolve()) {
  const store = createEmbeddedDocumentStore();
  const published: string[] = [];
  const deps = {
    config: { STEP_MAX_ATTEMPTS: 3 },
    store,
    secrets: { get: () => Promise.resolve(null) },
    clock: { now: () => new Date('2026-01-01T00:00:00Z') },
    bus: {
      publish: (topic: string) => {
        published.push(topic);
        return Promise.resolve();
      },
    },
    tasks: { enqueue: () => Promise.resolve() },
    log: createMemoryLogger('silent'),
  } as unknown as StepRunnerDeps;
  const pastSeen: string[] = [];
  let behaviour = run;
  const step = defineStep(
    deps,
    {
      name: 'validate',
      status: ['queued', 'validating'],
      onPast: (doc) => {
        pastSeen.push(doc.status);
        return Promise.resolve();
      },
    },
    () => behaviour(),
  );
  return {
    store,
    step,
    published,
    pastSeen,
    setBehaviour: (b: () => Promise<void>) => {
      behaviour = b;
    },
  };
}

const failWith = (code: ErrorCode) => () => Promise.reject(new AppError(code, `${code} happened`));

describe('defineStep: failure policy per error code', () => {
  it.each<[ErrorCode, 'failed now' | 'redelivered']>([
    ['MODEL_NOT_FOUND', 'failed now'],
    ['MODEL_GATED', 'failed now'],
    ['RUNPOD_AUTH', 'failed now'],
    // A capacity refusal is retryable for an HTTP client, but a step has nothing new to try.
    ['NO_CAPACITY', 'failed now'],
    ['CACHE_ACCESS_DENIED', 'failed now'],
    ['UPSTREAM_UNAVAILABLE', 'redelivered'],
    ['RATE_LIMITED', 'redelivered'],
    ['INTERNAL', 'redelivered'],
  ])('%s is %s', async (code, outcome) => {
    const { store, step, published } = setup(failWith(code));
    const doc = aDeployment({ status: 'validating' });
    await store.create(doc);
    const run = step({ deployment_id: doc.deployment_id }, { attempt: 1 });
    if (outcome === 'redelivered') {
      await expect(run).rejects.toMatchObject({ code });
      expect((await store.get(doc.deployment_id))?.status).toBe('validating');
      expect(published).toEqual([]);
    } else {
      await run;
      const after = await store.get(doc.deployment_id);
      expect(after?.status).toBe('failed');
      expect(after?.error).toMatchObject({ code, step: 'validate', message: `${code} happened` });
      expect(published).toEqual(['deployment-teardown']); // nothing may keep billing
    }
  });

  it('defers a conflict (another run holds the work): redelivered, never counted, never failed', async () => {
    const { store, step } = setup(failWith('CONFLICT'));
    const doc = aDeployment({ status: 'validating' });
    await store.create(doc);
    const msg = { deployment_id: doc.deployment_id };
    for (let attempt = 1; attempt < 3; attempt++)
      await expect(step(msg, { attempt })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(step(msg, { attempt: null })).rejects.toMatchObject({ code: 'CONFLICT' });
    // The transport's last attempt is acknowledged: the run holding the work commits it.
    await expect(step(msg, { attempt: 3 })).resolves.toBeUndefined();
    const after = await store.get(doc.deployment_id);
    expect(after?.status).toBe('validating');
    expect(after?.runtime.step_failures ?? {}).toEqual({});
  });

  it('an error that says so overrides its code (an unreadable upstream answer fails now)', async () => {
    const { store, step } = setup(() =>
      Promise.reject(new AppError('UPSTREAM_UNAVAILABLE', 'odd shape', { onStep: 'fail' })),
    );
    const doc = aDeployment({ status: 'validating' });
    await store.create(doc);
    await step({ deployment_id: doc.deployment_id }, { attempt: 1 });
    expect((await store.get(doc.deployment_id))?.error?.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('fails the deployment on the last attempt of a redelivered error, INTERNAL for a bug', async () => {
    const { store, step } = setup(() => Promise.reject(new TypeError('x is undefined')));
    const doc = aDeployment({ status: 'validating' });
    await store.create(doc);
    const msg = { deployment_id: doc.deployment_id };
    await expect(step(msg, { attempt: 1 })).rejects.toThrow(TypeError);
    await step(msg, { attempt: 3 });
    const after = await store.get(doc.deployment_id);
    expect(after?.status).toBe('failed');
    expect(after?.error).toMatchObject({ code: 'INTERNAL', step: 'validate' });
    expect(after?.error?.message).not.toContain('x is undefined');
  });
});

describe('defineStep: which deliveries run', () => {
  it('re-sends the hand-off when the deployment is already past the step, and runs nothing', async () => {
    let ran = 0;
    const { store, step, pastSeen } = setup(() => {
      ran += 1;
      return Promise.resolve();
    });
    const doc = aDeployment({ status: 'selecting_gpu' });
    await store.create(doc);
    await step({ deployment_id: doc.deployment_id });
    expect(pastSeen).toEqual(['selecting_gpu']);
    expect(ran).toBe(0);
  });

  it.each(['deleting', 'failed', 'deleted'] as const)(
    'does nothing for a deployment that is %s',
    async (status) => {
      let ran = 0;
      const { store, step, pastSeen } = setup(() => {
        ran += 1;
        return Promise.resolve();
      });
      const doc = aDeployment({ status });
      await store.create(doc);
      await step({ deployment_id: doc.deployment_id });
      expect(ran).toBe(0);
      expect(pastSeen).toEqual([]);
    },
  );

  it('acknowledges a message for a deployment that does not exist', async () => {
    const { step } = setup(failWith('INTERNAL'));
    await expect(step({ deployment_id: 'dpl_missing' })).resolves.toBeUndefined();
  });
});

describe('defineStep without a delivery attempt', () => {
  // The failures a step counts itself bound it where the transport reports no delivery attempt
  // (Pub/Sub push); a run that goes through forgets them, so a later run of the step starts afresh.
  it('counts each failure in runtime.step_failures and clears the count when the step goes through', async () => {
    const { store, step, setBehaviour } = setup(failWith('UPSTREAM_UNAVAILABLE'));
    const doc = aDeployment({ status: 'validating' });
    await store.create(doc);
    const msg = { deployment_id: doc.deployment_id };
    const delivery = { attempt: null };

    await expect(step(msg, delivery)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await expect(step(msg, delivery)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect((await store.get(doc.deployment_id))?.runtime.step_failures).toEqual({ validate: 2 });

    setBehaviour(() => Promise.resolve());
    await step(msg, delivery);
    expect((await store.get(doc.deployment_id))?.runtime.step_failures).toEqual({});

    // Two failures after the success are below the bound again: the deployment is not failed.
    setBehaviour(failWith('UPSTREAM_UNAVAILABLE'));
    await expect(step(msg, delivery)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await expect(step(msg, delivery)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    const after = await store.get(doc.deployment_id);
    expect(after?.status).toBe('validating');
    expect(after?.runtime.step_failures).toEqual({ validate: 2 });

    // The third one is the last attempt: failed with the error's code, not redelivered for ever.
    await step(msg, delivery);
    expect((await store.get(doc.deployment_id))?.error?.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
