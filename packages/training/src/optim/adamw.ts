/**
 * AdamW (Loshchilov & Hutter 2019), as PyTorch's `torch.optim.AdamW`: the weights decay by `lr * weightDecay`
 * directly (decoupled from the adaptive step), then the bias-corrected Adam step. tfjs has no AdamW, and its Adam
 * cannot take a per-step learning rate or expose its moments for a checkpoint; this one does both. The
 * learning rate comes in with every step (the schedule is computed outside, from explicit counters).
 */
import { tf } from '@a2d/engine';

/** AdamW hyper-parameters (the learning rate is given per step). */
export interface AdamWOptions {
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Which variables decay (default: `decaysByDefault`). */
  decays?: (variable: tf.Variable) => boolean;
}

/** The optimizer's resumable state: the step count and both moments per variable, in variable order. */
export interface AdamWState {
  step: number;
  firstMoments: Float32Array[];
  secondMoments: Float32Array[];
}

/**
 * timm's rule: weight decay only on weights of rank >= 2 (kernels, filters, embedding tables), never on biases,
 * norm scales/offsets or other 1-D parameters, nor on relative-position bias tables.
 */
export function decaysByDefault(variable: tf.Variable): boolean {
  return variable.rank >= 2 && !/relative|bias/i.test(variable.name.split('/').pop() ?? '');
}

/** AdamW over a fixed list of variables. */
export class AdamW {
  private readonly first: tf.Variable[];
  private readonly second: tf.Variable[];
  private readonly decayMask: boolean[];
  private stepCount = 0;

  constructor(
    readonly variables: readonly tf.Variable[],
    readonly options: AdamWOptions,
  ) {
    const { beta1, beta2, epsilon, weightDecay } = options;
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) throw new RangeError(`AdamW: betas must be in [0, 1), got ${beta1}, ${beta2}`);
    if (!(epsilon > 0) || !(weightDecay >= 0)) throw new RangeError(`AdamW: expected epsilon > 0 and weightDecay >= 0, got ${epsilon}, ${weightDecay}`);
    this.first = variables.map((v) => tf.variable(tf.zerosLike(v), false));
    this.second = variables.map((v) => tf.variable(tf.zerosLike(v), false));
    this.decayMask = variables.map(options.decays ?? decaysByDefault);
  }

  /** Updates applied so far. */
  get step(): number {
    return this.stepCount;
  }

  /** Names of the variables that decay (for the run log). */
  get decayedVariableNames(): string[] {
    return this.variables.filter((_, i) => this.decayMask[i]).map((v) => v.name);
  }

  /** One update with `gradients` (variable order) at `learningRate`. */
  apply(gradients: readonly tf.Tensor[], learningRate: number): void {
    if (gradients.length !== this.variables.length) {
      throw new RangeError(`AdamW: expected ${this.variables.length} gradients, got ${gradients.length}`);
    }
    if (!(learningRate >= 0) || !Number.isFinite(learningRate)) throw new RangeError(`AdamW: learning rate must be finite and >= 0, got ${learningRate}`);
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    this.stepCount++;
    const t = this.stepCount;
    const correction1 = 1 - Math.pow(beta1, t);
    const correction2 = 1 - Math.pow(beta2, t);
    tf.tidy(() => {
      this.variables.forEach((variable, i) => {
        const gradient = gradients[i];
        const m = tf.add(tf.mul(this.first[i], beta1), tf.mul(gradient, 1 - beta1));
        const v = tf.add(tf.mul(this.second[i], beta2), tf.mul(tf.square(gradient), 1 - beta2));
        this.first[i].assign(m);
        this.second[i].assign(v);
        const denominator = tf.add(tf.div(tf.sqrt(v), Math.sqrt(correction2)), epsilon);
        const update = tf.div(tf.mul(m, learningRate / correction1), denominator);
        const decayed = this.decayMask[i] && weightDecay > 0 ? tf.mul(variable, 1 - learningRate * weightDecay) : variable;
        variable.assign(tf.sub(decayed, update));
      });
    });
  }

  /** A copy of the state (for checkpoints). */
  getState(): AdamWState {
    return {
      step: this.stepCount,
      firstMoments: this.first.map((m) => Float32Array.from(m.dataSync() as Float32Array)),
      secondMoments: this.second.map((v) => Float32Array.from(v.dataSync() as Float32Array)),
    };
  }

  /** Restores `getState` output; a wrong count or size throws naming the variable. */
  setState(state: AdamWState): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new RangeError(`AdamW state: step must be a non-negative integer, got ${state.step}`);
    const check = (moments: Float32Array[], which: string) => {
      if (moments.length !== this.variables.length) throw new RangeError(`AdamW state: expected ${this.variables.length} ${which}, got ${moments.length}`);
      moments.forEach((values, i) => {
        if (values.length !== this.variables[i].size) {
          throw new RangeError(`AdamW state: ${which}[${i}] (${this.variables[i].name}) has ${values.length} values, expected ${this.variables[i].size}`);
        }
      });
    };
    check(state.firstMoments, 'first moments');
    check(state.secondMoments, 'second moments');
    tf.tidy(() => {
      this.first.forEach((m, i) => m.assign(tf.tensor(state.firstMoments[i], m.shape)));
      this.second.forEach((v, i) => v.assign(tf.tensor(state.secondMoments[i], v.shape)));
    });
    this.stepCount = state.step;
  }

  /** Frees the moments. */
  dispose(): void {
    tf.dispose([...this.first, ...this.second]);
  }
}
