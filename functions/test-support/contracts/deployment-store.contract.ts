import { transition, type Deployment } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import type { DeploymentStore } from '../../src/ports';

/**
 * The DeploymentStore contract, run against every implementation (embedded, and Firestore on
 * Google's emulator). Each test gets a fresh store from `make`.
 */
export function deploymentStoreContract(
  name: string,
  make: () => Promise<DeploymentStore> | DeploymentStore,
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

    it('lets exactly one of 20 concurrent guarded transitions win', async () => {
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
      const stored = (await store.get(doc.deployment_id))!;
      expect(stored.history).toHaveLength(2);
      expect(stored.version).toBe(1);
    });

    it('loses no update when 20 mutations of one document run at once', async () => {
      const doc = aDeployment({ deployment_id: 'dpl_contract0000000000000000h' });
      await store.create(doc);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.mutate(doc.deployment_id, (d) => ({
            ...d,
            runtime: { ...d.runtime, poll_attempt: d.runtime.poll_attempt + 1 },
            updated_at: new Date(Date.UTC(2026, 10, 30, 12, 0, i)).toISOString(),
          })),
        ),
      );
      const stored = (await store.get(doc.deployment_id))!;
      expect(stored.runtime.poll_attempt).toBe(20);
      expect(stored.version).toBe(20);
    });

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

    // A real listener (Firestore onSnapshot) starts from the document as it is when it attaches and
    // may coalesce changes that follow each other quickly; what it promises is order and the latest
    // state. Everything that follows deployments (SSE, the CLI, tests) relies on exactly that.
    const follow = (id: string, until: (d: Deployment) => boolean): Promise<Deployment[]> =>
      new Promise((resolve) => {
        const seen: Deployment[] = [];
        const stop = store.watch(id, (d) => {
          seen.push(d);
          if (until(d)) {
            stop();
            resolve(seen);
          }
        });
      });

    it('tells a watcher the document as it is when the watcher attaches', async () => {
      const doc = aDeployment({ deployment_id: 'dpl_contract0000000000000000g' });
      await store.create(doc);
      await store.mutate(doc.deployment_id, (d) => transition(d, 'validating', new Date()));
      await store.mutate(doc.deployment_id, (d) => transition(d, 'selecting_gpu', new Date()));
      const [first] = await follow(doc.deployment_id, () => true);
      expect(first).toEqual(await store.get(doc.deployment_id));
      expect(first).toMatchObject({ status: 'selecting_gpu', version: 2 });
    });

    it('then shows changes in order, never an older state after a newer one, ending at the latest', async () => {
      const doc = aDeployment({ deployment_id: 'dpl_contract0000000000000000i' });
      await store.create(doc);
      const path = ['validating', 'selecting_gpu', 'provisioning', 'loading', 'ready'] as const;
      const watched = follow(doc.deployment_id, (d) => d.status === 'ready');
      for (const to of path)
        await store.mutate(doc.deployment_id, (d) => transition(d, to, new Date()));
      const seen = await watched;
      const versions = seen.map((d) => d.version);
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
      expect(new Set(versions).size).toBe(versions.length);
      expect(seen.at(-1)).toEqual(await store.get(doc.deployment_id));
      // Each document seen is a whole, consistent version: its status is its history's last entry.
      for (const d of seen) expect(d.history.at(-1)!.to).toBe(d.status);
      expect(seen.map((d) => d.status)).toEqual(
        ['queued', ...path].filter((st) => seen.some((d) => d.status === st)),
      );
    });
  });
}
