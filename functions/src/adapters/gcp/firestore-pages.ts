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
 * after the opaque `cursor`. `startAfter` is the real cursor; the extra where() on created_at and
 * the filter make the same page come out of emulators that ignore cursors
 * (@firestore-emulator/server does), fetching more only in that case.
 */
export async function pageNewestFirst<T extends { created_at: string }>(
  query: Query,
  idField: keyof T & string,
  limit: number,
  cursor: string | undefined,
): Promise<{ docs: T[]; nextCursor: string | null }> {
  const after = cursor === undefined ? null : decodeCursor(cursor);
  const id = (d: T): string => String(d[idField]);
  const isAfter = (d: T, c: Cursor): boolean =>
    d.created_at < c.createdAt || (d.created_at === c.createdAt && id(d) < c.id);
  let ordered = query.orderBy('created_at', 'desc').orderBy(idField, 'desc');
  if (after) {
    ordered = ordered
      .where('created_at', '<=', after.createdAt)
      .startAfter(after.createdAt, after.id);
  }
  for (let n = limit + 1; ; n *= 2) {
    const snap = await ordered.limit(n).get();
    const all = snap.docs.map((d) => d.data() as T);
    const docs = after ? all.filter((d) => isAfter(d, after)) : all;
    if (docs.length > limit || snap.size < n) {
      const page = docs.slice(0, limit);
      const last = page.at(-1);
      const nextCursor =
        docs.length > limit && last
          ? encodeCursor({ createdAt: last.created_at, id: id(last) })
          : null;
      return { docs: page, nextCursor };
    }
  }
}
