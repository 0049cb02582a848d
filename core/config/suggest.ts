/**
 * Edit distance with adjacent transpositions (optimal string alignment), so `buad_rate`
 * is one edit from `baud_rate` rather than two.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    const row = d[i] as number[];
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** `BaudRate`, `baud-rate` and `baud_rate` name the same option. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[_\-\s]/g, '');
}

/**
 * The candidate the user most likely meant, or undefined when none is close:
 * same name up to case and separators, a small edit distance (about a third of the
 * length), or the only candidate that the word is a prefix of (`baud` -> `baud_rate`).
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...new Set(candidates)].filter((candidate) => candidate !== word);
  if (list.length === 0 || word.length === 0) return undefined;
  const folded = fold(word);
  const sameFolded = list.find((candidate) => fold(candidate) === folded);
  if (sameFolded !== undefined) return sameFolded;

  const limit = Math.max(1, Math.floor(folded.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of list) {
    const distance = editDistance(folded, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= limit) return best;

  if (folded.length >= 3) {
    const extending = list.filter((candidate) => fold(candidate).startsWith(folded) || (folded.startsWith(fold(candidate)) && fold(candidate).length >= 3));
    if (extending.length === 1) return extending[0];
  }
  return undefined;
}

/** ` (did you mean "x"?)` or an empty string, to append to a message. */
export function didYouMeanSuffix(word: string, candidates: Iterable<string>): string {
  const suggestion = didYouMean(word, candidates);
  return suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
}
