import type { Firestore, Query } from '@google-cloud/firestore';
import { AppError, type Job } from '@visgate/shared';
import type { JobStore } from '../../ports';
import { createGuardedMutate } from './firestore-guarded-mutate';
import { pageNewestFirst } from './firestore-pages';
import { GRPC, hasGrpcCode } from './grpc-errors';

export const JOBS = 'jobs';

/** `jobs/{id}` in Firestore, with the deployment store's semantics (guarded mutate). */
export function createFirestoreJobStore(db: Firestore): JobStore {
  const col = db.collection(JOBS);
  const guarded = createGuardedMutate<Job>(db);
  return {
    async create(doc) {
      try {
        await col.doc(doc.job_id).create(doc);
      } catch (e) {
        if (hasGrpcCode(e, GRPC.ALREADY_EXISTS))
          throw new AppError('CONFLICT', `job ${doc.job_id} exists`, { cause: e });
        throw e;
      }
    },
    async get(id) {
      const snap = await col.doc(id).get();
      guarded.remember(snap);
      return snap.exists ? (snap.data() as Job) : null;
    },
    mutate(id, fn) {
      return guarded.mutate(col.doc(id), fn);
    },
    list(q) {
      let query: Query = col
        .where('owner_hash', '==', q.ownerHash)
        .where('deployment_id', '==', q.deploymentId);
      if (q.status !== undefined) query = query.where('status', '==', q.status);
      return pageNewestFirst<Job>(query, 'job_id', q.limit, q.cursor);
    },
  };
}
