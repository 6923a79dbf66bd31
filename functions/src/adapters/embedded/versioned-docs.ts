import { AppError } from '@visgate/shared';
import { memoryTable, type Table } from './table';

/**
 * An in-memory collection with Firestore's document semantics, shared by the embedded deployment
 * and job stores: reads and writes copy (no shared references), `create` refuses an existing id,
 * `mutate` is atomic (the callback runs synchronously within one turn of the event loop) and bumps
 * `version`. `onWrite` sees every committed version, in order. The rows live in `table` (memory by
 * default, or a local database file: the semantics are the same).
 */
export function createVersionedDocs<T extends { version: number }>(opts: {
  kind: string;
  idOf: (doc: T) => string;
  onWrite?: (doc: T) => void;
  /** Where the documents live; memory by default. */
  table?: Table<T>;
}) {
  const docs = opts.table ?? memoryTable<T>();
  // A database table decodes a new object on every read: copying it again would only cost time.
  const copy = docs.freshReads ? (doc: T): T => doc : (doc: T): T => structuredClone(doc);
  const commit = (id: string, doc: T): T => {
    const stored = structuredClone(doc);
    docs.set(id, stored);
    opts.onWrite?.(stored);
    return stored;
  };
  return {
    docs,

    create: (doc: T): Promise<void> => {
      const id = opts.idOf(doc);
      if (docs.get(id) !== undefined)
        return Promise.reject(new AppError('CONFLICT', `${opts.kind} ${id} exists`));
      commit(id, doc);
      return Promise.resolve();
    },

    get: (id: string): Promise<T | null> => {
      const doc = docs.get(id);
      return Promise.resolve(doc ? copy(doc) : null);
    },

    mutate: (id: string, fn: (doc: T) => T | null): Promise<T | null> => {
      const current = docs.get(id);
      if (!current) return Promise.resolve(null);
      let next: T | null;
      try {
        next = fn(copy(current));
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      if (next === null) return Promise.resolve(null);
      return Promise.resolve(
        structuredClone(commit(id, { ...next, version: current.version + 1 })),
      );
    },
  };
}
