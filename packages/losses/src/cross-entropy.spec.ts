import { tf } from '@a2d/engine';
import { crossEntropy, LossInputError } from './index';

// Plain-JS references: the hand computation every tensor result is checked against.
function logSoftmaxRow(row: number[]): number[] {
  const max = Math.max(...row);
  const logSum = Math.log(row.reduce((sum, x) => sum + Math.exp(x - max), 0)) + max;
  return row.map((x) => x - logSum);
}
const oneHot = (index: number, classes: number) => Array.from({ length: classes }, (_, c) => (c === index ? 1 : 0));

const logits = [
  [2, 1, 0.1],
  [0.5, 2.5, -1],
  [-1, 0, 3],
  [1, 1, 1],
];
const labels = [0, 2, 2, 1];

describe('crossEntropy', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('equals the mean negative log-probability of the true class', () => {
    const expected = labels.reduce((sum, y, i) => sum - logSoftmaxRow(logits[i])[y], 0) / labels.length;
    const loss = crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'));
    expect(loss.shape).toEqual([]);
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('with smoothing 0 equals plain cross-entropy, and follows (1 - eps) * CE + eps * mean_c(-log p_c)', () => {
    const plain = crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32')).dataSync()[0];
    expect(crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), { labelSmoothing: 0 }).dataSync()[0]).toBe(plain);
    const eps = 0.2;
    const expected =
      labels.reduce((sum, y, i) => {
        const logp = logSoftmaxRow(logits[i]);
        const uniform = logp.reduce((s, v) => s - v, 0) / logp.length;
        return sum + (1 - eps) * -logp[y] + eps * uniform;
      }, 0) / labels.length;
    const smoothed = crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), { labelSmoothing: eps });
    expect(smoothed.dataSync()[0]).toBeCloseTo(expected, 5);
    expect(smoothed.dataSync()[0]).not.toBeCloseTo(plain, 3);
  });

  it('class weights give the weighted mean sum_i w_yi CE_i / sum_i w_yi (PyTorch `weight`)', () => {
    const weights = [0.5, 2, 1];
    const numerator = labels.reduce((sum, y, i) => sum - weights[y] * logSoftmaxRow(logits[i])[y], 0);
    const denominator = labels.reduce((sum, y) => sum + weights[y], 0);
    const loss = crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), { classWeights: weights });
    expect(loss.dataSync()[0]).toBeCloseTo(numerator / denominator, 5);
    const ones = crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), { classWeights: [1, 1, 1] });
    expect(ones.dataSync()[0]).toBeCloseTo(crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32')).dataSync()[0], 6);
  });

  it('one-hot soft targets give exactly what class indices give, with smoothing and weights', () => {
    const soft = tf.tensor2d(labels.map((y) => oneHot(y, 3)));
    const options = { labelSmoothing: 0.1, classWeights: [0.5, 2, 1] };
    const fromIndices = crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), options).dataSync()[0];
    expect(crossEntropy(tf.tensor2d(logits), soft, options).dataSync()[0]).toBeCloseTo(fromIndices, 6);
  });

  it('mixup soft targets give the lambda-mixture of the two cross-entropies', () => {
    const lambda = 0.7;
    const partner = [1, 0, 0, 2];
    const soft = labels.map((y, i) => oneHot(y, 3).map((v, c) => lambda * v + (1 - lambda) * oneHot(partner[i], 3)[c]));
    const expected =
      labels.reduce((sum, y, i) => {
        const logp = logSoftmaxRow(logits[i]);
        return sum - lambda * logp[y] - (1 - lambda) * logp[partner[i]];
      }, 0) / labels.length;
    expect(crossEntropy(tf.tensor2d(logits), tf.tensor2d(soft)).dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('stays finite and exact for huge logits, and its gradient is (softmax - q) / B', () => {
    const huge = tf.tensor2d([
      [1000, -1000, 0],
      [-500, 500, 0],
    ]);
    const targets = tf.tensor1d([1, 1], 'int32');
    expect(crossEntropy(huge, targets).dataSync()[0]).toBeCloseTo(1000, 2);
    const gradient = tf.grad((x: tf.Tensor) => crossEntropy(x as tf.Tensor2D, targets))(huge);
    const values = Array.from(gradient.dataSync());
    expect(values.every(Number.isFinite)).toBe(true);
    expect(values).toEqual([0.5, -0.5, 0, 0, 0, 0].map((v) => expect.closeTo(v, 6)));
  });

  describe('a -Inf logit (a masked class, as constrained decoding makes)', () => {
    const masked = [
      [2, -Infinity, 0.5, 1],
      [0.3, 1.2, -Infinity, -Infinity],
    ];
    const maskedLabels = [0, 1];
    /** The rows with their masked columns removed, and the labels re-indexed to match. */
    const unmaskedRows = masked.map((row) => row.filter((v) => v !== -Infinity));
    const unmaskedLabels = maskedLabels.map((y, i) => masked[i].slice(0, y).filter((v) => v !== -Infinity).length);

    it('adds nothing off the target: PyTorch F.cross_entropy value and gradient, finite for soft targets too', () => {
      const x = tf.tensor2d(masked);
      const y = tf.tensor1d(maskedLabels, 'int32');
      // torch 1.13.1: F.cross_entropy(x, y) and x.grad after backward()
      expect(crossEntropy(x, y).dataSync()[0]).toBeCloseTo(0.40276134, 6);
      const gradient = Array.from(tf.grad((z: tf.Tensor) => crossEntropy(z as tf.Tensor2D, y))(x).dataSync());
      const torchGradient = [-0.18573415, 0, 0.07012219, 0.11561194, 0.14452523, -0.14452526, 0, 0];
      expect(gradient).toEqual(torchGradient.map((v) => expect.closeTo(v, 6)));
      // PyTorch returns NaN for probability targets here (0 * -Inf); 0 * log 0 counts 0.
      const soft = tf.tensor2d([
        [0.7, 0, 0.3, 0],
        [0, 1, 0, 0],
      ]);
      const expected = (-(0.7 * logSoftmaxRow(unmaskedRows[0])[0] + 0.3 * logSoftmaxRow(unmaskedRows[0])[1]) - logSoftmaxRow(unmaskedRows[1])[1]) / 2;
      expect(crossEntropy(x, soft, { classWeights: [1, 1, 1, 1] }).dataSync()[0]).toBeCloseTo(expected, 6);
      const softGradient = Array.from(tf.grad((z: tf.Tensor) => crossEntropy(z as tf.Tensor2D, soft))(x).dataSync());
      expect(softGradient.every(Number.isFinite)).toBe(true);
      expect([1, 6, 7].map((i) => softGradient[i])).toEqual([0, 0, 0]);
    });

    it('gets no smoothing mass: smoothing equals smoothing the rows with the masked classes removed', () => {
      const eps = 0.1;
      const x = tf.tensor2d(masked);
      const y = tf.tensor1d(maskedLabels, 'int32');
      const loss = crossEntropy(x, y, { labelSmoothing: eps }).dataSync()[0];
      // torch 1.13.1 gives +Inf for `masked` (eps / C on the -Inf classes); on the reduced rows it gives these.
      expect(loss).toBeCloseTo((0.5477021 + 0.3861539) / 2, 6);
      const perRow = unmaskedRows.map((row, i) =>
        crossEntropy(tf.tensor2d([row]), tf.tensor1d([unmaskedLabels[i]], 'int32'), { labelSmoothing: eps }).dataSync()[0],
      );
      expect(loss).toBeCloseTo((perRow[0] + perRow[1]) / 2, 6);
      // the gradient: finite, 0 on the masked classes, the reduced rows' gradient elsewhere
      const gradient = Array.from(tf.grad((z: tf.Tensor) => crossEntropy(z as tf.Tensor2D, y, { labelSmoothing: eps }))(x).dataSync());
      const reduced = unmaskedRows.flatMap((row, i) =>
        Array.from(tf.grad((z: tf.Tensor) => crossEntropy(z as tf.Tensor2D, tf.tensor1d([unmaskedLabels[i]], 'int32'), { labelSmoothing: eps }))(tf.tensor2d([row])).dataSync()),
      );
      const unmaskedGradient = gradient.filter((_, i) => masked[Math.floor(i / 4)][i % 4] !== -Infinity);
      expect([1, 6, 7].map((i) => gradient[i])).toEqual([0, 0, 0]);
      expect(unmaskedGradient).toEqual(reduced.map((v) => expect.closeTo(v / 2, 6)));
    });

    it('on the target itself is an honest +Inf', () => {
      expect(crossEntropy(tf.tensor2d(masked), tf.tensor1d([1, 0], 'int32')).dataSync()[0]).toBe(Infinity);
    });
  });

  it('rejects class indices outside 0..C-1 or not integers, and negative soft targets, instead of a silent 0', () => {
    const x = tf.tensor2d(logits);
    expect(() => crossEntropy(x, tf.tensor1d([0, 3, 1, 2], 'int32'))).toThrow(LossInputError);
    expect(() => crossEntropy(x, tf.tensor1d([0, 3, 1, 2], 'int32'))).toThrow(/targets: expected class indices 0..2, got 3 at row 1/);
    expect(() => crossEntropy(x, tf.tensor1d([0, 1, -1, 2], 'int32'))).toThrow(/got -1 at row 2/);
    expect(() => crossEntropy(x, tf.tensor1d([0, 1.5, 1, 2], 'float32'))).toThrow(/got 1.5 at row 1/);
    const negative = tf.tensor2d([
      [1.2, -0.2, 0],
      [0, 0, 1],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    expect(() => crossEntropy(x, negative)).toThrow(/targets: expected finite non-negative soft targets, got -0.2\d* at row 0, class 1/);
    expect(() => crossEntropy(x, tf.tensor2d([[NaN, 1, 0], [0, 0, 1], [0, 0, 1], [0, 1, 0]]))).toThrow(LossInputError);
  });

  it('rejects logits of the wrong rank and targets of the wrong shape, naming the argument', () => {
    expect(() => crossEntropy(tf.tensor1d([1, 2]) as unknown as tf.Tensor2D, tf.tensor1d([0], 'int32'))).toThrow(
      /logits: expected rank-2/,
    );
    expect(() => crossEntropy(tf.tensor2d(logits), tf.tensor1d([0, 1], 'int32'))).toThrow(LossInputError);
    expect(() => crossEntropy(tf.tensor2d(logits), tf.zeros([4, 2]) as tf.Tensor2D)).toThrow(/targets: expected soft targets \[4, 3\], got \[4, 2\]/);
    expect(() => crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), { classWeights: [1, 2] })).toThrow(
      /classWeights: expected 3 per-class values, got 2/,
    );
    expect(() => crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), { labelSmoothing: 1 })).toThrow(/labelSmoothing/);
  });

  it('leaves no tensor behind but its result', () => {
    const x = tf.tensor2d(logits);
    const y = tf.tensor1d(labels, 'int32');
    const before = tf.memory().numTensors;
    const loss = crossEntropy(x, y, { labelSmoothing: 0.1, classWeights: [1, 2, 3] });
    expect(tf.memory().numTensors).toBe(before + 1);
    loss.dispose();
    const gradient = tf.tidy(() => tf.grad((z: tf.Tensor) => crossEntropy(z as tf.Tensor2D, y))(x));
    gradient.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
