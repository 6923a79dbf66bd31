import type { Clock, IdempotencyRecord, IdempotencyStore } from '../../ports';
import { memoryTable, type Table } from './table';

export interface IdempotencyRow {
  record: IdempotencyRecord;
  expiresAtMs: number;
}

/** `idempotency/{owner}:{key}` with expiry by the injected clock, in memory or a local database file. */
export function createEmbeddedIdempotencyStore(
  clock: Clock,
  records: Table<IdempotencyRow> = memoryTable(),
): IdempotencyStore {
  const live = (key: string): IdempotencyRecord | null => {
    const entry = records.get(key);
    if (!entry) return null;
    if (entry.expiresAtMs <= clock.now().getTime()) {
      records.delete(key);
      return null;
    }
    return structuredClone(entry.record);
  };
  return {
    putIfAbsent(key, record, ttlMs) {
      const existing = live(key);
      if (existing) return Promise.resolve(existing);
      records.set(key, {
        record: structuredClone(record),
        expiresAtMs: clock.now().getTime() + ttlMs,
      });
      return Promise.resolve(null);
    },
    get(key) {
      return Promise.resolve(live(key));
    },
    put(key, record, ttlMs) {
      records.set(key, {
        record: structuredClone(record),
        expiresAtMs: clock.now().getTime() + ttlMs,
      });
      return Promise.resolve();
    },
    delete(key) {
      records.delete(key);
      return Promise.resolve();
    },
  };
}
