import { decodeCursor, encodeCursor, type PageCursor } from '../page-cursor';

/**
 * One page of `items`, newest `created_at` first with ties broken by id (a total order, so cursors
 * stay stable under concurrent inserts). Throws VALIDATION_FAILED for a cursor we did not issue.
 */
export function newestFirstPage<T>(
  items: Iterable<T>,
  key: (item: T) => PageCursor,
  limit: number,
  cursor: string | undefined,
): { page: T[]; nextCursor: string | null } {
  const after = cursor === undefined ? null : decodeCursor(cursor);
  const all = [...items]
    .map((item) => ({ item, k: key(item) }))
    .sort((a, b) =>
      a.k.createdAt !== b.k.createdAt
        ? a.k.createdAt < b.k.createdAt
          ? 1
          : -1
        : a.k.id < b.k.id
          ? 1
          : a.k.id > b.k.id
            ? -1
            : 0,
    )
    .filter(
      ({ k }) =>
        after === null ||
        k.createdAt < after.createdAt ||
        (k.createdAt === after.createdAt && k.id < after.id),
    );
  const page = all.slice(0, limit);
  const last = page.at(-1);
  return {
    page: page.map((x) => x.item),
    nextCursor: all.length > limit && last ? encodeCursor(last.k) : null,
  };
}
