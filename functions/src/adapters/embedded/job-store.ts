import { AppError, type Job } from '@visgate/shared';
import type { JobStore, ListJobsQuery } from '../../ports';

function encodeCursor(job: Job): string {
  return Buffer.from(JSON.stringify([job.created_at, job.job_id])).toString('base64url');
}

function decodeCursor(s: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(s, 'base64url').toString()) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // fall through to the typed error
  }
  throw new AppError('VALIDATION_FAILED', 'cursor is not one this API returned', {
    details: { errors: [{ path: 'cursor', message: 'invalid cursor' }] },
  });
}

/** Newest first; ties broken by id so the order is total and cursors are stable. */
function newerFirst(a: Job, b: Job): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.job_id < b.job_id ? 1 : a.job_id > b.job_id ? -1 : 0;
}

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
      const after = q.cursor === undefined ? null : decodeCursor(q.cursor);
      const all = [...docs.values()]
        .filter(
          (d) =>
            d.owner_hash === q.ownerHash &&
            d.deployment_id === q.deploymentId &&
            (q.status === undefined || d.status === q.status),
        )
        .sort(newerFirst)
        .filter(
          (d) =>
            after === null ||
            d.created_at < after.createdAt ||
            (d.created_at === after.createdAt && d.job_id < after.id),
        );
      const page = all.slice(0, q.limit);
      const last = page.at(-1);
      const nextCursor = all.length > q.limit && last ? encodeCursor(last) : null;
      return { docs: page.map((d) => structuredClone(d)), nextCursor };
    },
  };
}
