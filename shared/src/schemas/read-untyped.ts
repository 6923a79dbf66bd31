/** Summary readers of a worker's untyped output: the value when it has the type, else null. */
export const num = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;
export const int = (v: unknown): number | null => (Number.isInteger(v) ? (v as number) : null);
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
