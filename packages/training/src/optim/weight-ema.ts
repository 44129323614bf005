/**
 * An exponential moving average of the weights (Polyak averaging, timm's ModelEma): after every optimizer step
 * `ema = d * ema + (1 - d) * w`, with `d = min(decay, (1 + step) / (10 + step))` while warming up. Batch-norm
 * statistics are averaged too. The average is evaluated and checkpointed as a model of its own.
 */
import { tf } from '@a2d/engine';

/** EMA settings. */
export interface WeightEmaOptions {
  decay: number;
  warmup: boolean;
}

/** Shadow copies of a fixed list of variables. */
export class WeightEma {
  private readonly shadows: tf.Variable[];

  constructor(
    readonly variables: readonly tf.Variable[],
    readonly options: WeightEmaOptions,
  ) {
    this.shadows = variables.map((v) => tf.variable(v.clone(), false));
  }

  /** The decay used at optimizer step `step` (1-based). */
  decayAt(step: number): number {
    return this.options.warmup ? Math.min(this.options.decay, (1 + step) / (10 + step)) : this.options.decay;
  }

  /** Folds the current weights in, after optimizer step `step`. */
  update(step: number): void {
    const d = this.decayAt(step);
    tf.tidy(() => this.shadows.forEach((shadow, i) => shadow.assign(tf.add(tf.mul(shadow, d), tf.mul(this.variables[i], 1 - d)))));
  }

  /** Runs `body` with the averaged weights in place of the live ones, then puts the live ones back. */
  withAveragedWeights<T>(body: () => T): T {
    const live = this.variables.map((v) => tf.keep(v.clone()));
    try {
      tf.tidy(() => this.variables.forEach((v, i) => v.assign(this.shadows[i])));
      return body();
    } finally {
      tf.tidy(() => this.variables.forEach((v, i) => v.assign(live[i])));
      tf.dispose(live);
    }
  }

  /** The averaged values (variable order). */
  getValues(): Float32Array[] {
    return this.shadows.map((s) => Float32Array.from(s.dataSync() as Float32Array));
  }

  /** Restores `getValues` output. */
  setValues(values: readonly Float32Array[]): void {
    if (values.length !== this.shadows.length) throw new RangeError(`WeightEma: expected ${this.shadows.length} arrays, got ${values.length}`);
    tf.tidy(() =>
      this.shadows.forEach((s, i) => {
        if (values[i].length !== s.size) throw new RangeError(`WeightEma: array ${i} (${this.variables[i].name}) has ${values[i].length} values, expected ${s.size}`);
        s.assign(tf.tensor(values[i], s.shape));
      }),
    );
  }

  /** Frees the shadows. */
  dispose(): void {
    tf.dispose(this.shadows);
  }
}
