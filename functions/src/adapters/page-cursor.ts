import { AppError } from '@visgate/shared';

/** Where a newest-first page ended: the last item's `created_at` and id (ties broken by id). */
export interface PageCursor {
  createdAt: string;
  id: string;
}

/** The opaque cursor a list answer carries (the same for every store, so clients see one shape). */
export function encodeCursor(c: PageCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');
}

/** Reads a cursor this API issued; anything else is VALIDATION_FAILED on `cursor`. */
export function decodeCursor(s: string): PageCursor {
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
