/**
 * Seeded pseudo-random numbers. Every random choice in the project comes from an `Rng` passed down
 * explicitly, so the same seed gives the same run. `fork(label)` derives an independent stream, so
 * adding a random draw in one place does not shift the draws of another.
 */

/** 32-bit FNV-1a hash of a string (used to derive child seeds from labels). */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The position of a generator in its stream (JSON-safe), for checkpoints that resume exactly. */
export interface RngState {
  state: number;
  spareNormal: number | null;
}

/** A small, fast, seedable generator (SplitMix32 state, Mulberry-style output). */
export class Rng {
  private state: number;
  private spareNormal: number | undefined;

  /** Creates a generator from an integer seed or a string. */
  constructor(readonly seed: number | string) {
    this.state = (typeof seed === 'string' ? hashString(seed) : seed >>> 0) ^ 0x9e3779b9;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [low, high] (both inclusive). */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  /** True with probability p. */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  /** Standard normal sample (Box-Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const value = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * value;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return mean + std * radius * Math.cos(2 * Math.PI * v);
  }

  /** Sample from Beta(alpha, alpha)-style Beta(a, b) via two Gamma draws (Marsaglia-Tsang). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }

  /** Gamma(shape, 1) sample (Marsaglia-Tsang; boosted for shape < 1). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.next() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** One element chosen uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  /** Index drawn with probability proportional to `weights`. */
  weightedIndex(weights: readonly number[]): number {
    const total = weights.reduce((sum, w) => sum + w, 0);
    let target = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      target -= weights[i];
      if (target < 0) return i;
    }
    return weights.length - 1;
  }

  /** Shuffles in place (Fisher-Yates) and returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** Where the stream is now; `setState` of it continues with exactly the same draws. */
  getState(): RngState {
    return { state: this.state, spareNormal: this.spareNormal ?? null };
  }

  /** Continues from a position saved by `getState`. */
  setState(saved: RngState): void {
    if (!Number.isInteger(saved.state) || saved.state < -0x80000000 || saved.state > 0xffffffff) {
      throw new RangeError(`Rng.setState: expected a 32-bit integer state, got ${saved.state}`);
    }
    this.state = saved.state;
    this.spareNormal = saved.spareNormal ?? undefined;
  }

  /** An independent generator derived from this one's seed and a label (does not advance this one). */
  fork(label: string | number): Rng {
    return new Rng(hashString(`${String(this.seed)}/${String(label)}`));
  }
}
