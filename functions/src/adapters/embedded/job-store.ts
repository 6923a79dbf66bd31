import { AppError, type Job } from '@visgate/shared';
import type { JobStore, ListJobsQuery } from '../../ports';
import { newestFirstPage } from './newest-first-page';

/** In-memory `jobs` collection with the document store's semantics: copies in and out, atomic mutate. */
export function createEmbeddedJobStore(): JobStore {
  const docs = new Map<string, Job>();
  return {
    create(doc) {
      if (docs.has(doc.job_id)) {
        return Promise.reject(new AppError('CONFLICT', `job ${doc.job_id} exists`));
      }
      docs.set(doc.job_id, structuredClone(doc));
      return Promise.resolve();
    },

    get(id) {
      const doc = docs.get(id);
      return Promise.resolve(doc ? structuredClone(doc) : null);
    },

    mutate(id, fn) {
      const current = docs.get(id);
      if (!current) return Promise.resolve(null);
      let next: Job | null;
      try {
        next = fn(structuredClone(current));
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      if (next === null) return Promise.resolve(null);
      const stored = structuredClone({ ...next, version: current.version + 1 });
      docs.set(id, stored);
      return Promise.resolve(structuredClone(stored));
    },

    // eslint-disable-next-line @typescript-eslint/require-await -- async so a bad cursor rejects instead of throwing
    async list(q: ListJobsQuery) {
      const { page, nextCursor } = newestFirstPage(
        [...docs.values()].filter(
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
