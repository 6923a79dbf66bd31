import {
  FieldPath,
  FieldValue,
  type DocumentData,
  type DocumentReference,
  type DocumentSnapshot,
  type Firestore,
  type Timestamp,
} from '@google-cloud/firestore';
import { GRPC, hasGrpcCode } from './grpc-errors';

/** Documents written in the same commit as the mutated one (a deployment's public projection). */
export type Beside<T> = (stored: T) => [DocumentReference, DocumentData][];

export interface GuardedMutate<T extends { version: number }> {
  /** Remembers a document just read, so that mutating it next needs no second read. */
  remember(snap: DocumentSnapshot): void;
  /** The store contract's `mutate`: read, apply `fn`, write with `version` bumped; `fn` may rerun. */
  mutate(ref: DocumentReference, fn: (doc: T) => T | null): Promise<T | null>;
}

interface Seen {
  data: DocumentData;
  updateTime: Timestamp;
  atMs: number;
}

/**
 * Guarded writes tried before falling back to a transaction (each after a fresh read). Each round
 * of a race has one winner, so this is more writers than one document sees at once (the store
 * contract's 20 concurrent writers all finish without the fallback).
 */
const OPTIMISTIC_ATTEMPTS = 25;
/** How many documents' last known versions are kept, and for how long. */
const MEMO_ENTRIES = 500;
const MEMO_MAX_AGE_MS = 60_000;

/** A write lost to another writer: the document changed (or went) since it was read. */
const lostRace = (e: unknown): boolean =>
  hasGrpcCode(e, GRPC.FAILED_PRECONDITION) ||
  hasGrpcCode(e, GRPC.ABORTED) ||
  hasGrpcCode(e, GRPC.NOT_FOUND);

/**
 * Read-modify-write of one Firestore document as a write guarded by the update time of the version
 * it was computed from (optimistic concurrency), not a read-write transaction:
 *
 * - one round trip instead of two when the document was just read or written through this store
 *   (a step reads its deployment, then commits): the last known version of each document is kept,
 *   and the commit's precondition (`lastUpdateTime`) makes a stale one fail instead of overwrite;
 * - no locks. Two read-write transactions on one document hold read locks and wait on each other
 *   until one aborts (Google's emulator: "Transaction lock timeout" after about a second), and the
 *   client library retries after a backoff of a second or more: the multi-second tail of a poll
 *   write meeting the worker's ready callback. A guarded write that loses simply reads again.
 *
 * After OPTIMISTIC_ATTEMPTS lost races (heavy contention) it falls back to a transaction, whose
 * locks guarantee progress; so does any other commit error, which the client library's transaction
 * retries as before (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED with its backoff). `fn` declining on a remembered version is asked again on a fresh read,
 * so a decline always reflects the stored document.
 */
export function createGuardedMutate<T extends { version: number }>(
  db: Firestore,
  beside: Beside<T> = () => [],
  now: () => number = Date.now,
): GuardedMutate<T> {
  const memo = new Map<string, Seen>();
  const keep = (path: string, seen: Seen): void => {
    memo.delete(path);
    memo.set(path, seen);
    const oldest = memo.keys().next();
    if (memo.size > MEMO_ENTRIES && !oldest.done) memo.delete(oldest.value);
  };
  const seenOf = (snap: DocumentSnapshot): Seen | null => {
    const data = snap.data();
    const updateTime = snap.updateTime;
    return data && updateTime ? { data, updateTime, atMs: now() } : null;
  };
  const recall = (path: string): Seen | null => {
    const seen = memo.get(path);
    if (!seen || now() - seen.atMs > MEMO_MAX_AGE_MS) return null;
    return seen;
  };
  const read = async (ref: DocumentReference): Promise<Seen | null> => {
    const seen = seenOf(await ref.get());
    if (seen) keep(ref.path, seen);
    return seen;
  };

  async function writeGuarded(
    ref: DocumentReference,
    seen: Seen,
    stored: T,
  ): Promise<Timestamp | undefined> {
    // `update` replaces each top-level field it names (maps included) and keeps the others, so a
    // field the new version drops is deleted explicitly: the result equals a `set` of `stored`.
    const fields: unknown[] = [];
    const next = stored as unknown as DocumentData;
    for (const [key, value] of Object.entries(next))
      if (value !== undefined) fields.push(new FieldPath(key), value);
    for (const [key, value] of Object.entries(seen.data))
      if (value !== undefined && next[key] === undefined)
        fields.push(new FieldPath(key), FieldValue.delete());
    const batch = db.batch();
    const [first, firstValue, ...rest] = fields;
    batch.update(ref, first as FieldPath, firstValue, ...rest, {
      lastUpdateTime: seen.updateTime,
    });
    for (const [other, data] of beside(stored)) batch.set(other, data);
    const [result] = await batch.commit();
    return result?.writeTime;
  }

  function transactional(ref: DocumentReference, fn: (doc: T) => T | null): Promise<T | null> {
    memo.delete(ref.path);
    return db.runTransaction(
      async (tx) => {
        const snap = await tx.get(ref);
        if (!snap.exists) return null;
        const current = snap.data() as T;
        const next = fn(structuredClone(current));
        if (next === null) return null;
        const stored: T = { ...next, version: current.version + 1 };
        tx.set(ref, stored);
        for (const [other, data] of beside(stored)) tx.set(other, data);
        return stored;
      },
      { maxAttempts: 10 },
    );
  }

  return {
    remember(snap) {
      const seen = seenOf(snap);
      if (seen) keep(snap.ref.path, seen);
    },

    async mutate(ref, fn) {
      let seen = recall(ref.path);
      let remembered = seen !== null;
      for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt += 1) {
        if (!seen) {
          seen = await read(ref);
          remembered = false;
          if (!seen) return null;
        }
        const current = seen.data as T;
        const next = fn(structuredClone(current));
        if (next === null) {
          if (!remembered) return null;
          seen = null; // declined on a remembered version: ask again on the stored one
          continue;
        }
        const stored: T = { ...next, version: current.version + 1 };
        try {
          const updateTime = await writeGuarded(ref, seen, stored);
          if (updateTime)
            keep(ref.path, { data: structuredClone(stored), updateTime, atMs: now() });
          return stored;
        } catch (e) {
          memo.delete(ref.path);
          // Anything else (unavailable, deadline, quota) gets the transaction's retry policy.
          if (!lostRace(e)) return transactional(ref, fn);
          seen = null;
        }
      }
      return transactional(ref, fn);
    },
  };
}
