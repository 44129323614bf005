/** "Did you mean ...?": the typo distance shared by unknown flags and unknown config keys. */

/** Levenshtein distance (for "did you mean"). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** Whether `distance` edits make `word` a likely typo of a known name (at most 2, or a third of the word). */
export function isLikelyTypo(word: string, distance: number): boolean {
  return distance <= Math.max(2, Math.floor(word.length / 3));
}

/** The closest of `known` to `word` when it is close enough to be a likely typo. */
export function closestName(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && isLikelyTypo(word, bestDistance) ? best : undefined;
}
