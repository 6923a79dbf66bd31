/** Optimal string alignment distance (Levenshtein plus adjacent swaps: `wiat` → `wait` is 1). */
export function editDistance(a: string, b: string): number {
  const cols = b.length + 1;
  const d = new Array<number>((a.length + 1) * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i <= a.length; i++) d[i * cols] = i;
  for (let j = 0; j <= b.length; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return at(a.length, b.length);
}

/**
 * The known word closest to `word` when it is close enough to be a typo (a third of its length,
 * at least 1, at most 3 edits), or one that starts with it; null otherwise. Ties go to the first.
 */
export function didYouMean(word: string, known: readonly string[]): string | null {
  const w = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const distance = editDistance(w, k);
    if (distance < bestDistance) {
      best = k;
      bestDistance = distance;
    }
  }
  if (best !== null && bestDistance <= limit) return best;
  if (w.length >= 2) return known.find((k) => k.startsWith(w)) ?? null;
  return null;
}
