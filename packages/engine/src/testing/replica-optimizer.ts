/**
 * Spec and bench support: SGD or Adam written against the replica contract, i.e. the learning rate and the
 * 1-based step number come with every update, and the slots (Adam's moments) are named arrays for `getState`.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorPayload } from '../data-parallel/replica';

/** Which update rule. */
export type ReplicaOptimizerKind = 'sgd' | 'adam';

const beta1 = 0.9;
const beta2 = 0.999;
const epsilon = 1e-7;

/** The optimizer of a fixture replica over named variables. */
export class ReplicaOptimizer {
  private readonly slots: Map<string, tf.Variable>;
  /** The step number of the last update (0 before any). */
  lastStep = 0;

  constructor(
    readonly kind: ReplicaOptimizerKind,
    private readonly variables: ReadonlyMap<string, tf.Variable>,
  ) {
    this.slots = new Map();
    if (kind === 'adam') {
      for (const [name, v] of variables) {
        this.slots.set(`m/${name}`, tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
        this.slots.set(`v/${name}`, tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
      }
    }
  }

  /** One update with `gradients` in the variables' order. */
  apply(gradients: tf.Tensor[], learningRate: number, step: number): void {
    tf.tidy(() => {
      [...this.variables].forEach(([name, variable], i) => {
        const g = gradients[i];
        if (this.kind === 'sgd') {
          variable.assign(tf.sub(variable, tf.mul(g, learningRate)));
          return;
        }
        const m = this.slot(`m/${name}`);
        const v = this.slot(`v/${name}`);
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const mHat = tf.div(m, 1 - beta1 ** step);
        const vHat = tf.div(v, 1 - beta2 ** step);
        variable.assign(tf.sub(variable, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), learningRate)));
      });
    });
    this.lastStep = step;
  }

  /** The slots as payloads (copies). */
  slotPayloads(): Record<string, TensorPayload> {
    return Object.fromEntries([...this.slots].map(([name, s]) => [name, { values: (s.dataSync() as Float32Array).slice(), shape: s.shape.slice(), dtype: 'float32' as const }]));
  }

  /** Restores `slotPayloads()` output (throws naming a missing or mis-sized slot). */
  setSlots(tensors: Record<string, TensorPayload>): void {
    for (const [name, s] of this.slots) {
      const payload = tensors[name];
      if (!payload || payload.values.length !== s.size) throw new Error(`optimizer slot ${name}: ${payload ? `${payload.values.length} values, expected ${s.size}` : 'missing from the state'}`);
    }
    tf.tidy(() => {
      for (const [name, s] of this.slots) s.assign(tf.tensor(tensors[name].values, s.shape, 'float32'));
    });
  }

  dispose(): void {
    for (const s of this.slots.values()) s.dispose();
  }

  private slot(name: string): tf.Variable {
    const s = this.slots.get(name);
    if (!s) throw new Error(`no optimizer slot ${name}`);
    return s;
  }
}
