import { createHash } from 'node:crypto';
import { Timestamp, type Firestore } from '@google-cloud/firestore';
import type { Clock, IdempotencyRecord, IdempotencyStore } from '../../ports';
import { GRPC, hasGrpcCode } from './grpc-errors';

export const IDEMPOTENCY = 'idempotency';

interface StoredRecord {
  scoped_key: string;
  /** JSON: a response body may hold nested arrays, which Firestore values cannot. */
  record_json: string;
  /** Firestore's TTL policy on this field deletes the document (within ~24 h of expiry). */
  expires_at: Timestamp;
}

/**
 * `idempotency/{sha256(owner:key)}` in Firestore. The id is hashed because a client's key may hold
 * characters a document id cannot ('/'). `putIfAbsent` is a `create()` (precondition: does not
 * exist); an expired record counts as absent and is replaced in a transaction.
 */
export function createFirestoreIdempotencyStore(db: Firestore, clock: Clock): IdempotencyStore {
  const ref = (key: string) =>
    db.collection(IDEMPOTENCY).doc(createHash('sha256').update(key).digest('hex'));
  const stored = (key: string, record: IdempotencyRecord, ttlMs: number): StoredRecord => ({
    scoped_key: key,
    record_json: JSON.stringify(record),
    expires_at: Timestamp.fromMillis(clock.now().getTime() + ttlMs),
  });
  const parse = (s: StoredRecord): IdempotencyRecord =>
    JSON.parse(s.record_json) as IdempotencyRecord;
  const isLive = (s: StoredRecord): boolean => s.expires_at.toMillis() > clock.now().getTime();

  return {
    async putIfAbsent(key, record, ttlMs) {
      try {
        await ref(key).create(stored(key, record, ttlMs));
        return null;
      } catch (e) {
        if (!hasGrpcCode(e, GRPC.ALREADY_EXISTS)) throw e;
      }
      return db.runTransaction(async (tx) => {
        const snap = await tx.get(ref(key));
        const existing = snap.data() as StoredRecord | undefined;
        if (existing && isLive(existing)) return parse(existing);
        tx.set(ref(key), stored(key, record, ttlMs));
        return null;
      });
    },
    async get(key) {
      const existing = (await ref(key).get()).data() as StoredRecord | undefined;
      return existing && isLive(existing) ? parse(existing) : null;
    },
    async put(key, record, ttlMs) {
      await ref(key).set(stored(key, record, ttlMs));
    },
    async delete(key) {
      await ref(key).delete();
    },
  };
}
