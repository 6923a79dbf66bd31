import { type Deployment } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import { createMemoryPorts, heldSecrets } from '../../../test-support/memory-ports';
import { purgeSecrets } from './purge-secrets';

const ID = 'dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa';
const now = new Date('2026-11-27T18:00:00.000Z');
const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString();

/** A deployment closed `closedS` ago with its secrets held (default SECRET_RETENTION_S: 3600). */
async function world(status: 'failed' | 'deleted', closedS: number, released: boolean) {
  const ports = createMemoryPorts(now);
  const base = aDeployment({ deployment_id: ID, status, updated_at: ago(closedS) });
  const doc: Deployment = { ...base, runtime: { ...base.runtime, resources_released: released } };
  await ports.store.create(doc);
  await ports.secrets.put(ID, heldSecrets('rpa_test'));
  return { ports, doc };
}

describe('purgeSecrets', () => {
  it('deletes the secrets of a deployment closed past retention and marks it fully closed', async () => {
    const { ports, doc } = await world('deleted', 3601, true);
    expect(await purgeSecrets(ports, doc, now)).toBe('purged');
    expect(await ports.secrets.get(ID)).toBeNull();
    expect((await ports.store.get(ID))?.runtime.secrets_purged).toBe(true);
  });

  it('re-publishes the teardown of a failed deployment still holding resources, keeping its key', async () => {
    const { ports, doc } = await world('failed', 9999, false);
    expect(await purgeSecrets(ports, doc, now)).toBe('nudged');
    expect(ports.published).toEqual([['deployment-teardown', ID]]);
    expect((await ports.secrets.get(ID))?.runpodApiKey).toBe('rpa_test');
  });

  it('keeps the secrets inside the retention window', async () => {
    const { ports, doc } = await world('deleted', 60, true);
    expect(await purgeSecrets(ports, doc, now)).toBeNull();
    expect(await ports.secrets.get(ID)).not.toBeNull();
  });
});
