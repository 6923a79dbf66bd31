import type { Deployment } from '@visgate/shared';
import { newestFirstPage } from './newest-first-page';
import type { Table } from './table';
import { createVersionedDocs } from './versioned-docs';
import type { DeploymentScanner, DeploymentStore, ListDeploymentsQuery } from '../../ports';

/**
 * In-memory `deployments` collection with Firestore semantics: reads and writes copy (no shared
 * references), `mutate` is atomic (the callback runs synchronously inside one turn of the event
 * loop), listeners get every committed version in order.
 */
export function createEmbeddedDocumentStore(
  table?: Table<Deployment>,
): DeploymentStore & DeploymentScanner & { size(): number } {
  const listeners = new Map<string, Set<(doc: Deployment) => void>>();

  function notify(doc: Deployment): void {
    const set = listeners.get(doc.deployment_id);
    if (!set) return;
    for (const fn of set) {
      const copy = structuredClone(doc);
      queueMicrotask(() => {
        fn(copy);
      });
    }
  }

  const { docs, create, get, mutate } = createVersionedDocs<Deployment>({
    kind: 'deployment',
    idOf: (d) => d.deployment_id,
    onWrite: notify,
    table,
  });

  return {
    size: () => docs.size(),
    create,
    get,
    mutate,

    // eslint-disable-next-line @typescript-eslint/require-await -- async so a bad cursor rejects instead of throwing
    async list(q: ListDeploymentsQuery) {
      const { page, nextCursor } = newestFirstPage(
        docs
          .values()
          .filter(
            (d) =>
              d.owner_hash === q.ownerHash && (q.status === undefined || d.status === q.status),
          ),
        (d) => ({ createdAt: d.created_at, id: d.deployment_id }),
        q.limit,
        q.cursor,
      );
      return { docs: page.map((d) => structuredClone(d)), nextCursor };
    },

    scan(q) {
      const found = docs
        .values()
        .filter((d) => q.statuses.includes(d.status))
        .sort((a, b) => (a.updated_at < b.updated_at ? -1 : a.updated_at > b.updated_at ? 1 : 0))
        .slice(0, q.limit);
      return Promise.resolve(found.map((d) => structuredClone(d)));
    },

    watch(id, onChange) {
      let set = listeners.get(id);
      if (!set) {
        set = new Set();
        listeners.set(id, set);
      }
      set.add(onChange);
      const current = docs.get(id);
      if (current) {
        const copy = structuredClone(current);
        queueMicrotask(() => {
          onChange(copy);
        });
      }
      return () => {
        set.delete(onChange);
        if (set.size === 0) listeners.delete(id);
      };
    },
  };
}
