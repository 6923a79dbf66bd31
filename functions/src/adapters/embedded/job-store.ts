import type { Job } from '@visgate/shared';
import type { JobStore, ListJobsQuery } from '../../ports';
import { newestFirstPage } from './newest-first-page';
import type { Table } from './table';
import { createVersionedDocs } from './versioned-docs';

/** In-memory `jobs` collection with the document store's semantics: copies in and out, atomic mutate. */
export function createEmbeddedJobStore(table?: Table<Job>): JobStore {
  const { docs, create, get, mutate } = createVersionedDocs<Job>({
    kind: 'job',
    idOf: (d) => d.job_id,
    table,
  });
  return {
    create,
    get,
    mutate,

    // eslint-disable-next-line @typescript-eslint/require-await -- async so a bad cursor rejects instead of throwing
    async list(q: ListJobsQuery) {
      const { page, nextCursor } = newestFirstPage(
        docs
          .values()
          .filter(
            (d) =>
              d.owner_hash === q.ownerHash &&
              d.deployment_id === q.deploymentId &&
              (q.status === undefined || d.status === q.status),
          ),
        (d) => ({ createdAt: d.created_at, id: d.job_id }),
        q.limit,
        q.cursor,
      );
      return { docs: page.map((d) => structuredClone(d)), nextCursor };
    },
  };
}
