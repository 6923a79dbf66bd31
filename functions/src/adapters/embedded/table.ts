/**
 * Where an embedded store keeps its rows: in memory (forgotten when the process exits) or in a
 * local database file (`adapters/sqlite`). Synchronous on purpose: a store's read-modify-write
 * runs within one turn of the event loop, which is what makes the embedded `mutate` atomic.
 */
export interface Table<V> {
  get(id: string): V | undefined;
  set(id: string, value: V): void;
  delete(id: string): void;
  /** Every row, in no particular order. */
  values(): V[];
  entries(): [string, V][];
  size(): number;
  /**
   * True when `get` returns a new object on every call (a database decodes the row each time), so
   * a store need not copy what it reads to keep callers from sharing it.
   */
  readonly freshReads: boolean;
}

/** A table in memory. Values are held as given: the stores copy on the way in and out. */
export function memoryTable<V>(): Table<V> {
  const rows = new Map<string, V>();
  return {
    get: (id) => rows.get(id),
    set: (id, value) => {
      rows.set(id, value);
    },
    delete: (id) => {
      rows.delete(id);
    },
    values: () => [...rows.values()],
    entries: () => [...rows.entries()],
    size: () => rows.size,
    freshReads: false,
  };
}
