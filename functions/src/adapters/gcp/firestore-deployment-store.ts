import type { Firestore, Query } from '@google-cloud/firestore';
import { AppError, publicDeployment, type Deployment } from '@visgate/shared';
import type { DeploymentScanner, DeploymentStore, Logger } from '../../ports';
import { createGuardedMutate } from './firestore-guarded-mutate';
import { pageNewestFirst } from './firestore-pages';
import { GRPC, hasGrpcCode } from './grpc-errors';

export const DEPLOYMENTS = 'deployments';
/**
 * `deployment_status/{id}`: the public projection of `deployments/{id}`, exactly what
 * `GET /v1/deployments/{id}` returns (publicDeployment: no owner hash, no runtime bookkeeping, no
 * version). The one collection web clients may read (firestore.rules: `get` by id only), for live
 * status with `onSnapshot`; written in the same commit as the deployment, so the two never
 * disagree.
 */
export const DEPLOYMENT_STATUS = 'deployment_status';

/**
 * `deployments/{id}` in Firestore, with its public projection in `deployment_status/{id}`. `mutate`
 * is a write guarded by the update time of the version read (firestore-guarded-mutate.ts: one
 * round trip after a `get`, no locks; a lost race reads again, so `fn` may run more than once);
 * `watch` is a document listener; `list` needs the composite indexes in firestore.indexes.json (owner_hash
 * [, status], created_at desc, deployment_id desc; and status, updated_at for the reaper's `scan`).
 */
export function createFirestoreDeploymentStore(
  db: Firestore,
  log?: Logger,
): DeploymentStore & DeploymentScanner {
  const col = db.collection(DEPLOYMENTS);
  const ref = (id: string) => col.doc(id);
  const statusRef = (id: string) => db.collection(DEPLOYMENT_STATUS).doc(id);
  const guarded = createGuardedMutate<Deployment>(db, (stored) => [
    [statusRef(stored.deployment_id), publicDeployment(stored)],
  ]);

  return {
    async create(doc) {
      try {
        await db
          .batch()
          .create(ref(doc.deployment_id), doc)
          .set(statusRef(doc.deployment_id), publicDeployment(doc))
          .commit();
      } catch (e) {
        if (hasGrpcCode(e, GRPC.ALREADY_EXISTS))
          throw new AppError('CONFLICT', `deployment ${doc.deployment_id} exists`, { cause: e });
        throw e;
      }
    },

    async get(id) {
      const snap = await ref(id).get();
      guarded.remember(snap);
      return snap.exists ? (snap.data() as Deployment) : null;
    },

    mutate(id, fn) {
      return guarded.mutate(ref(id), fn);
    },

    list(q) {
      let query: Query = col.where('owner_hash', '==', q.ownerHash);
      if (q.status !== undefined) query = query.where('status', '==', q.status);
      return pageNewestFirst<Deployment>(query, 'deployment_id', q.limit, q.cursor);
    },

    async scan(q) {
      if (q.statuses.length === 0) return [];
      // 'in' takes at most 30 values; there are 9 statuses.
      const snap = await col
        .where('status', 'in', [...q.statuses])
        .orderBy('updated_at', 'asc')
        .limit(q.limit)
        .get();
      return snap.docs.map((d) => d.data() as Deployment);
    },

    watch(id, onChange) {
      return ref(id).onSnapshot(
        (snap) => {
          if (snap.exists) onChange(snap.data() as Deployment);
        },
        (e) => {
          log?.error('deployment listener failed', { deployment_id: id, error: e.message });
        },
      );
    },
  };
}
