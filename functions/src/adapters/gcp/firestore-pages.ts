import type { Query } from '@google-cloud/firestore';
import { AppError } from '@visgate/shared';

interface Cursor {
  createdAt: string;
  id: string;
}

export const encodeCursor = (c: Cursor): string =>
  Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');

export function decodeCursor(s: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(s, 'base64url').toString()) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // fall through to the typed error
  }
  throw new AppError('VALIDATION_FAILED', 'cursor is not one this API returned', {
    details: { errors: [{ path: 'cursor', message: 'invalid cursor' }] },
  });
}

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
