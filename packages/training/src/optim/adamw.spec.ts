import { initEngine, tf } from '@a2d/engine';
import { AdamW, decaysByDefault } from './adamw';

/** PyTorch's AdamW in float64 on plain arrays: what ours must reproduce. */
function referenceAdamW(
  weights: number[][],
  gradients: number[][][],
  rates: number[],
  decays: boolean[],
  { beta1, beta2, epsilon, weightDecay }: { beta1: number; beta2: number; epsilon: number; weightDecay: number },
): number[][] {
  const w = weights.map((row) => [...row]);
  const m = w.map((row) => row.map(() => 0));
  const v = w.map((row) => row.map(() => 0));
  gradients.forEach((step, t) => {
    const lr = rates[t];
    w.forEach((row, i) => {
      row.forEach((_, j) => {
        if (decays[i]) row[j] *= 1 - lr * weightDecay;
        const g = step[i][j];
        m[i][j] = beta1 * m[i][j] + (1 - beta1) * g;
        v[i][j] = beta2 * v[i][j] + (1 - beta2) * g * g;
        const mHat = m[i][j] / (1 - beta1 ** (t + 1));
        const vHat = v[i][j] / (1 - beta2 ** (t + 1));
        row[j] -= (lr * mHat) / (Math.sqrt(vHat) + epsilon);
      });
    });
  });
  return w;
}

describe('AdamW', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'cpu', log: () => undefined });
  });

  const options = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1 };
  const kernelValues = [0.5, -1.25, 2, 0.75, -0.3, 1.1];
  const biasValues = [0.2, -0.4, 0.9];
  const steps = [
    [[0.1, -0.2, 0.3, 0.05, -0.5, 0.25], [1, -1, 0.5]],
    [[-0.3, 0.1, 0.2, -0.05, 0.4, 0.1], [0.2, 0.3, -0.7]],
    [[0.01, 0.02, -0.4, 0.6, 0.0, -0.9], [-0.5, 0.1, 0.05]],
  ];
  const rates = [1e-2, 5e-2, 2e-3];

  it('matches PyTorch AdamW (decoupled decay on kernels only, per-step learning rates)', () => {
    const kernel = tf.variable(tf.tensor2d(kernelValues, [2, 3]), true, 'dense/kernel');
    const bias = tf.variable(tf.tensor1d(biasValues), true, 'dense/bias');
    const optimizer = new AdamW([kernel, bias], options);
    expect(optimizer.decayedVariableNames).toEqual(['dense/kernel']);
    const before = tf.memory().numTensors;
    steps.forEach((step, t) => {
      const grads = [tf.tensor2d(step[0], [2, 3]), tf.tensor1d(step[1])];
      optimizer.apply(grads, rates[t]);
      tf.dispose(grads);
    });
    expect(tf.memory().numTensors).toBe(before);
    const expected = referenceAdamW([kernelValues, biasValues], steps, rates, [true, false], options);
    const got = [Array.from(kernel.dataSync()), Array.from(bias.dataSync())];
    got.forEach((row, i) => row.forEach((value, j) => expect(value).toBeCloseTo(expected[i][j], 6)));
    expect(optimizer.step).toBe(3);
    tf.dispose([kernel, bias]);
    optimizer.dispose();
  });

  it('resumes exactly from its state: 3 steps == 1 step, save, new optimizer, 2 steps', () => {
    const run = (split: boolean) => {
      const kernel = tf.variable(tf.tensor2d(kernelValues, [2, 3]), true, 'k/kernel');
      const bias = tf.variable(tf.tensor1d(biasValues), true, 'k/bias');
      let optimizer = new AdamW([kernel, bias], options);
      steps.forEach((step, t) => {
        if (split && t === 1) {
          const state = optimizer.getState();
          optimizer.dispose();
          optimizer = new AdamW([kernel, bias], options);
          optimizer.setState(state);
        }
        const grads = [tf.tensor2d(step[0], [2, 3]), tf.tensor1d(step[1])];
        optimizer.apply(grads, rates[t]);
        tf.dispose(grads);
      });
      const out = [...kernel.dataSync(), ...bias.dataSync()];
      optimizer.dispose();
      tf.dispose([kernel, bias]);
      return out;
    };
    expect(run(true)).toEqual(run(false));
  });

  it('refuses a state of the wrong size and bad hyper-parameters, naming them', () => {
    const kernel = tf.variable(tf.zeros([2, 2]), true, 'x/kernel');
    const optimizer = new AdamW([kernel], options);
    expect(() => optimizer.setState({ step: 1, firstMoments: [new Float32Array(3)], secondMoments: [new Float32Array(4)] })).toThrow(/first moments\[0\] \(x\/kernel\) has 3 values, expected 4/);
    expect(() => optimizer.apply([tf.zeros([2, 2])], NaN)).toThrow(/learning rate/);
    expect(() => new AdamW([kernel], { ...options, beta1: 1 })).toThrow(/betas/);
    optimizer.dispose();
    kernel.dispose();
  });

  it('decays only weights of rank >= 2 that are not bias tables', () => {
    const make = (shape: number[], name: string) => tf.variable(tf.zeros(shape), true, name);
    const cases = [make([3, 3], 'conv/kernel'), make([3], 'bn/gamma'), make([4], 'dense/bias'), make([4, 9], 'attn/relative_bias'), make([8, 16], 'action_embedding/embeddings')];
    expect(cases.map(decaysByDefault)).toEqual([true, false, false, false, true]);
    tf.dispose(cases);
  });
});
