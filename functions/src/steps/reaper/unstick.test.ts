import { type Deployment, type DeploymentStatus } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { createMemoryPorts } from '../../../test-support/memory-ports';
import { unstick } from './unstick';

const ID = 'dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa';
const now = new Date('2026-11-27T14:00:00.000Z');
const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString();

/** A deployment in `status`, idle for `idleS` (default config: STEP_DEADLINE_S 900), stored. */
async function world(
  status: DeploymentStatus,
  idleS: number,
  runtime: Partial<Deployment['runtime']> = {},
) {
  const ports = createMemoryPorts(now);
  const base = aDeployment({ deployment_id: ID, status, updated_at: ago(idleS) });
  const doc: Deployment = { ...base, runtime: { ...base.runtime, ...runtime } };
  await ports.store.create(doc);
  return { ports, doc };
}

describe('unstick', () => {
  it('re-publishes a stuck step and records the nudge, which starts the second deadline', async () => {
    const { ports, doc } = await world('provisioning', 1000);
    expect(await unstick(ports, doc, now)).toBe('nudged');
    expect(ports.published).toEqual([['deployment-provision', ID]]);
    expect((await ports.store.get(ID))?.runtime.nudged_at).toBe(now.toISOString());
  });

  it('re-publishes again a cycle later but keeps the first nudge’s time, so the give-up is not put off', async () => {
    const { ports, doc } = await world('provisioning', 1000, { nudged_at: ago(60) });
    expect(await unstick(ports, doc, now)).toBe('nudged');
    expect(ports.published).toEqual([['deployment-provision', ID]]);
    expect((await ports.store.get(ID))?.runtime.nudged_at).toBe(ago(60));
  });

  it('records no nudge on a deployment that moved on while the reaper ran', async () => {
    const { ports, doc } = await world('provisioning', 1000);
    await ports.store.mutate(ID, (d) => ({ ...d, status: 'loading' }));
    await unstick(ports, doc, now);
    expect((await ports.store.get(ID))?.runtime.nudged_at).toBeNull();
  });

  it('fails a step still stuck a deadline after its nudge, and releases what it holds', async () => {
    const { ports, doc } = await world('selecting_gpu', 2000, { nudged_at: ago(900) });
    expect(await unstick(ports, doc, now)).toBe('failed');
    const failed = await ports.store.get(ID);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', step: 'select_gpu' });
    expect(ports.published).toEqual([['deployment-teardown', ID]]);
  });

  it('does not count a failure that did not apply (another step moved the deployment first)', async () => {
    const { ports, doc } = await world('selecting_gpu', 2000, { nudged_at: ago(900) });
    await ports.store.mutate(ID, (d) => ({ ...d, status: 'provisioning' }));
    expect(await unstick(ports, doc, now)).toBeNull();
    expect((await ports.store.get(ID))?.status).toBe('provisioning');
  });

  it('restarts a lost poll chain with the next attempt, as a named task so two cycles enqueue one', async () => {
    const { ports, doc } = await world('loading', 121, {
      loading_started_at: ago(600),
      poll_attempt: 7,
    });
    expect(await unstick(ports, doc, now)).toBe('nudged');
    expect(ports.enqueued).toMatchObject([
      {
        queue: 'deployment-poll',
        name: `poll-${ID}-8`,
        payload: { deployment_id: ID, attempt: 8 },
      },
    ]);
  });

  it('does nothing for a step within its deadline', async () => {
    const { ports, doc } = await world('validating', 10);
    expect(await unstick(ports, doc, now)).toBeNull();
    expect(ports.published).toEqual([]);
    expect(ports.enqueued).toEqual([]);
  });
});
