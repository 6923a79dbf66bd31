import type { Clock, IdempotencyRecord, IdempotencyStore } from '../../ports';

/** `idempotency/{owner}:{key}` in memory with expiry by the injected clock. */
export function createEmbeddedIdempotencyStore(clock: Clock): IdempotencyStore {
  const records = new Map<string, { record: IdempotencyRecord; expiresAtMs: number }>();
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
