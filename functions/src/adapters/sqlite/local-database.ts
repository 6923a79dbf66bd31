import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Table } from '../embedded/table';

/**
 * The local mode's one database file (Node's built-in SQLite: no server to run). Created with
 * owner-only permissions, since it holds deployment documents and sealed secrets. WAL keeps reads
 * cheap while a write commits; `synchronous=NORMAL` is durable across a process crash, which is
 * what a restart of the local server needs.
 */
export function openLocalDatabase(path: string): DatabaseSync {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
  }
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
  return db;
}

const NAME = /^[a-z][a-z_]*$/;

/**
 * A Table kept in `name` of the database, one JSON row per id. Every call is one synchronous
 * statement, so a store's read-modify-write stays atomic within the process as in memory.
 */
export function sqliteTable<V>(db: DatabaseSync, name: string): Table<V> {
  if (!NAME.test(name)) throw new Error(`bad table name: ${name}`);
  db.exec(`CREATE TABLE IF NOT EXISTS ${name} (id TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT`);
  const select = db.prepare(`SELECT body FROM ${name} WHERE id = ?`);
  const upsert = db.prepare(
    `INSERT INTO ${name} (id, body) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body`,
  );
  const remove = db.prepare(`DELETE FROM ${name} WHERE id = ?`);
  const all = db.prepare(`SELECT id, body FROM ${name}`);
  const count = db.prepare(`SELECT count(*) AS n FROM ${name}`);
  const parse = (body: unknown): V => JSON.parse(String(body)) as V;
  return {
    get: (id) => {
      const row = select.get(id);
      return row === undefined ? undefined : parse(row.body);
    },
    set: (id, value) => {
      upsert.run(id, JSON.stringify(value));
    },
    delete: (id) => {
      remove.run(id);
    },
    values: () => all.all().map((r) => parse(r.body)),
    entries: () => all.all().map((r) => [String(r.id), parse(r.body)]),
    size: () => Number(count.get()?.n ?? 0),
    freshReads: true,
  };
}
