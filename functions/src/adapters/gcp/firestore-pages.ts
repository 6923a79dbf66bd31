import type { Query } from '@google-cloud/firestore';
import { decodeCursor, encodeCursor } from '../page-cursor';

/**
 * One page of `query` (already filtered by equality) in (created_at desc, <idField> desc) order,
 * after the opaque `cursor` (Firestore's startAfter on both order fields). Reads one document more
 * than the page to know whether there is a next one.
 */
export async function pageNewestFirst<T extends { created_at: string }>(
  query: Query,
  idField: keyof T & string,
  limit: number,
  cursor: string | undefined,
): Promise<{ docs: T[]; nextCursor: string | null }> {
  const after = cursor === undefined ? null : decodeCursor(cursor);
  let ordered = query.orderBy('created_at', 'desc').orderBy(idField, 'desc');
  if (after) ordered = ordered.startAfter(after.createdAt, after.id);
  const snap = await ordered.limit(limit + 1).get();
  const docs = snap.docs.map((d) => d.data() as T);
  const page = docs.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    docs.length > limit && last
      ? encodeCursor({ createdAt: last.created_at, id: String(last[idField]) })
      : null;
  return { docs: page, nextCursor };
}
