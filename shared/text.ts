// Helpers for messages people read.

/** Code-unit order, as Go compares strings (localeCompare would not): answers sort as Kubernetes' do. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The candidates closest to `word` by edit distance, best first (for "did you mean" hints). */
export function closest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(2, Math.floor(word.length / 3));
  return [...new Set(candidates)]
    .map((c) => ({ c, d: c.includes(word) || word.includes(c) ? 1 : editDistance(word, c) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || compareCodeUnits(a.c, b.c))
    .slice(0, max)
    .map((x) => x.c);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
