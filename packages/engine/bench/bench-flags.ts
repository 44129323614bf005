/** Flag parsing shared by the engine benches. */

/** The integer flag `--name` (>= 1, or >= 0 with `allowZero`), `fallback` when absent; throws naming the flag otherwise. */
export function positive(flags: Record<string, string | true>, name: string, fallback: number, allowZero = false): number {
  const value = flags[name];
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < (allowZero ? 0 : 1)) throw new Error(`--${name}: expected a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(value)}`);
  return parsed;
}
