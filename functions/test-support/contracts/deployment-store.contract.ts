import { aDeployment, transition } from '@visgate/shared';
import type { DeploymentStore } from '../../src/ports';

/** Where an implementation under test is known to fall short of real Firestore. */
export interface StoreDeviations {
  /**
   * @firestore-emulator/server gives transactions no isolation (a constant transaction id, no
   * locks, no contention retry), so concurrent read-modify-writes lose updates there. Real
   * Firestore serialises them (optimistic concurrency + the SDK's retry), as the embedded store does.
   */
  noTransactionIsolation?: boolean;
}

/**
 * The DeploymentStore contract, run against every implementation (embedded, and Firestore on the
 * emulator). Each test gets a fresh store from `make`. A deviation never weakens an assertion: the
 * affected test is replaced by one that says so in its name and checks what the emulator can show.
 */
export function deploymentStoreContract(
  name: string,
  make: () => Promise<DeploymentStore> | DeploymentStore,
  deviations: StoreDeviations = {},
): void {
  describe(`DeploymentStore contract: ${name}`, () => {
    let store: DeploymentStore;
    beforeEach(async () => {
      store = await make();
    });

    it('returns what was created and null for an unknown id', async () => {
      const doc = aDeployment({ deployment_id: 'dpl_contract0000000000000000a' });
      await store.create(doc);
      expect(await store.get(doc.deployment_id)).toEqual(doc);
      expect(await store.get('dpl_missing')).toBeNull();
    });

    it('refuses to create the same id twice with CONFLICT', async () => {
      const doc = aDeployment({ deployment_id: 'dpl_contract0000000000000000b' });
      await store.create(doc);
      await expect(store.create(doc)).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it('hands out copies, so mutating a read never changes the stored document', async () => {
      const doc = aDeployment({ deployment_id: 'dpl_contract0000000000000000c' });
      await store.create(doc);
      const read = (await store.get(doc.deployment_id))!;
      read.status = 'failed';
      expect((await store.get(doc.deployment_id))!.status).toBe('queued');
    });

    it('applies mutate atomically and bumps the version', async () => {
      const doc = aDeployment({ deployment_id: 'dpl_contract0000000000000000d' });
      await store.create(doc);
      const written = await store.mutate(doc.deployment_id, (d) =>
        transition(d, 'validating', new Date()),
      );
      expect(written?.status).toBe('validating');
      expect(written?.version).toBe(1);
      expect(await store.get(doc.deployment_id)).toEqual(written);
    });

    if (!deviations.noTransactionIsolation) {
      it('lets exactly one of many concurrent guarded transitions win', async () => {
        const doc = aDeployment({ deployment_id: 'dpl_contract0000000000000000e' });
        await store.create(doc);
        const results = await Promise.all(
          Array.from({ length: 20 }, () =>
            store.mutate(doc.deployment_id, (d) =>
              d.status === 'queued' ? transition(d, 'validating', new Date()) : null,
            ),
          ),
        );
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect((await store.get(doc.deployment_id))!.history).toHaveLength(2);
      });
    } else {
      it('lets exactly one of many sequential guarded transitions win (EMULATOR DEVIATION: no transaction isolation, so the concurrent case is asserted only where transactions isolate)', async () => {
        const doc = aDeployment({ deployment_id: 'dpl_contract0000000000000000e' });
        await store.create(doc);
        const results = [];
        for (let i = 0; i < 5; i += 1)
          results.push(
            await store.mutate(doc.deployment_id, (d) =>
              d.status === 'queued' ? transition(d, 'validating', new Date()) : null,
            ),
          );
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect((await store.get(doc.deployment_id))!.history).toHaveLength(2);
      });
    }

    it('leaves the document untouched when mutate declines or the id is unknown', async () => {
      const doc = aDeployment({ deployment_id: 'dpl_contract0000000000000000f' });
      await store.create(doc);
      expect(await store.mutate(doc.deployment_id, () => null)).toBeNull();
      expect(await store.mutate('dpl_missing', (d) => d)).toBeNull();
      expect((await store.get(doc.deployment_id))!.version).toBe(0);
    });

    it('lists one owner newest first, filters by status and pages without repeats', async () => {
      const docs = Array.from({ length: 7 }, (_, i) =>
        aDeployment({
          deployment_id: `dpl_contract000000000000000l${i}`,
          owner_hash: i === 6 ? 'someone-else' : 'me',
          status: i % 2 === 0 ? 'ready' : 'failed',
          created_at: new Date(Date.UTC(2026, 10, 27, 12, 0, i % 3)).toISOString(),
        }),
      );
      for (const d of docs) await store.create(d);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ ownerHash: 'me', limit: 2, cursor });
        seen.push(...page.docs.map((d) => d.deployment_id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toHaveLength(6);
      expect(new Set(seen).size).toBe(6);
      const created = seen.map((id) => docs.find((d) => d.deployment_id === id)!.created_at);
      expect([...created].sort().reverse()).toEqual(created);
      const ready = await store.list({ ownerHash: 'me', status: 'ready', limit: 10 });
      expect(ready.docs.every((d) => d.status === 'ready' && d.owner_hash === 'me')).toBe(true);
      expect(ready.docs).toHaveLength(3);
    });

    it('tells a watcher the current document and then every change in order', async () => {
      const doc = aDeployment({ deployment_id: 'dpl_contract0000000000000000g' });
      await store.create(doc);
      const seen: string[] = [];
      const done = new Promise<void>((resolve) => {
        const stop = store.watch(doc.deployment_id, (d) => {
          seen.push(d.status);
          if (d.status === 'selecting_gpu') {
            stop();
            resolve();
          }
        });
      });
      await store.mutate(doc.deployment_id, (d) => transition(d, 'validating', new Date()));
      await store.mutate(doc.deployment_id, (d) => transition(d, 'selecting_gpu', new Date()));
      await done;
      expect(seen).toEqual(['queued', 'validating', 'selecting_gpu']);
    });
  });
}
