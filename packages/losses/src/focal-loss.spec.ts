import { tf } from '@a2d/engine';
import { crossEntropy, focalLoss, LossInputError } from './index';

function softmaxRow(row: number[]): number[] {
  const max = Math.max(...row);
  const exps = row.map((x) => Math.exp(x - max));
  const sum = exps.reduce((s, v) => s + v, 0);
  return exps.map((v) => v / sum);
}

const logits = [
  [3, 0, -1],
  [0.2, 0.1, 0],
  [-2, 1, 0.5],
];
const labels = [0, 2, 1];
const x = () => tf.tensor2d(logits);
const y = () => tf.tensor1d(labels, 'int32');
const value = (scalar: tf.Scalar) => scalar.dataSync()[0];

describe('focalLoss', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('with gamma 0 equals cross-entropy, also with smoothing, class weights and soft targets', () => {
    expect(value(focalLoss(x(), y(), { gamma: 0 }))).toBeCloseTo(value(crossEntropy(x(), y())), 6);
    const options = { labelSmoothing: 0.15, classWeights: [2, 1, 0.5] };
    expect(value(focalLoss(x(), y(), { gamma: 0, ...options }))).toBeCloseTo(value(crossEntropy(x(), y(), options)), 6);
    const soft = tf.tensor2d([
      [0.6, 0.4, 0],
      [0, 0, 1],
      [0.3, 0.7, 0],
    ]);
    expect(value(focalLoss(x(), soft, { gamma: 0 }))).toBeCloseTo(value(crossEntropy(x(), soft)), 6);
  });

  it('matches -alpha_y (1 - p_y)^gamma log p_y worked by hand', () => {
    const gamma = 2;
    const alpha = [0.25, 1, 0.5];
    const expected =
      labels.reduce((sum, label, i) => {
        const p = softmaxRow(logits[i])[label];
        return sum - alpha[label] * Math.pow(1 - p, gamma) * Math.log(p);
      }, 0) / labels.length;
    expect(value(focalLoss(x(), y(), { gamma, alpha }))).toBeCloseTo(expected, 5);
    // A scalar alpha scales the whole loss.
    expect(value(focalLoss(x(), y(), { gamma, alpha: 0.25 }))).toBeCloseTo(0.25 * value(focalLoss(x(), y(), { gamma })), 6);
  });

  it('down-weights a confidently right clip much more than a wrong one', () => {
    const easy = tf.tensor2d([[4, 0, 0]]);
    const hard = tf.tensor2d([[0, 4, 0]]);
    const target = tf.tensor1d([0], 'int32');
    const easyRatio = value(focalLoss(easy, target, { gamma: 2 })) / value(crossEntropy(easy, target));
    const hardRatio = value(focalLoss(hard, target, { gamma: 2 })) / value(crossEntropy(hard, target));
    expect(easyRatio).toBeLessThan(0.01);
    expect(hardRatio).toBeGreaterThan(0.9);
  });

  it('has a finite gradient when a probability rounds to 1, for gamma below 1, 0 and above 1', () => {
    const saturated = tf.tensor2d([
      [200, -200, 0],
      [0, 0, 0],
    ]);
    const target = tf.tensor1d([0, 1], 'int32');
    for (const gamma of [0, 0.5, 2]) {
      const loss = value(focalLoss(saturated, target, { gamma }));
      const gradient = tf.grad((z: tf.Tensor) => focalLoss(z as tf.Tensor2D, target, { gamma }))(saturated);
      expect(Number.isFinite(loss)).toBe(true);
      expect(Array.from(gradient.dataSync()).every(Number.isFinite)).toBe(true);
      // The uniform second row is wrong, so it always pulls its target logit up.
      expect(gradient.dataSync()[4]).toBeLessThan(0);
    }
  });

  it('adds nothing for a -Inf logit off the target: finite value and gradient, equal to the row without that class', () => {
    const masked = tf.tensor2d([
      [2, -Infinity, 0.5],
      [-Infinity, 0.3, 1.2],
    ]);
    const target = tf.tensor1d([0, 2], 'int32');
    const reduced = tf.tensor2d([
      [2, 0.5],
      [0.3, 1.2],
    ]);
    const reducedTarget = tf.tensor1d([0, 1], 'int32');
    for (const gamma of [0, 0.5, 2]) {
      for (const labelSmoothing of [0, 0.1]) {
        const options = { gamma, labelSmoothing };
        const loss = value(focalLoss(masked, target, { ...options, alpha: [0.5, 1, 2] }));
        expect(Number.isFinite(loss)).toBe(true);
        // alpha of the masked classes drops out; the reduced rows keep alpha 0.5 and 2 for their remaining classes
        const reducedLoss = (value(focalLoss(reduced.slice(0, 1), reducedTarget.slice(0, 1), { ...options, alpha: [0.5, 2] })) +
          value(focalLoss(reduced.slice(1, 1), reducedTarget.slice(1, 1), { ...options, alpha: [1, 2] }))) / 2;
        expect(loss).toBeCloseTo(reducedLoss, 6);
        const gradient = Array.from(tf.grad((z: tf.Tensor) => focalLoss(z as tf.Tensor2D, target, options))(masked).dataSync());
        expect(gradient.every(Number.isFinite)).toBe(true);
        expect([gradient[1], gradient[3]]).toEqual([0, 0]);
      }
    }
    // by hand: gamma 2, no smoothing, -(1 - p_y)^2 log p_y over the unmasked classes
    const expected = [[2, 0.5, 0], [0.3, 1.2, 1]].reduce((sum, [a, b, y]) => {
      const p = softmaxRow([a, b])[y];
      return sum - Math.pow(1 - p, 2) * Math.log(p);
    }, 0) / 2;
    expect(value(focalLoss(masked, target, { gamma: 2 }))).toBeCloseTo(expected, 6);
  });

  it('rejects class indices outside 0..C-1 and negative soft targets', () => {
    expect(() => focalLoss(x(), tf.tensor1d([0, 2, 3], 'int32'))).toThrow(/targets: expected class indices 0..2, got 3 at row 2/);
    expect(() => focalLoss(x(), tf.tensor2d([[1, 0, 0], [0, 1.5, -0.5], [0, 0, 1]]))).toThrow(LossInputError);
  });

  it('rejects a negative gamma, a negative alpha and an alpha of the wrong length', () => {
    expect(() => focalLoss(x(), y(), { gamma: -1 })).toThrow(/gamma: expected a finite number >= 0, got -1/);
    expect(() => focalLoss(x(), y(), { alpha: -0.5 })).toThrow(LossInputError);
    expect(() => focalLoss(x(), y(), { alpha: [1, 2] })).toThrow(/alpha: expected 3 per-class values, got 2/);
  });

  it('leaves no tensor behind but its result', () => {
    const logitsTensor = x();
    const targets = y();
    const before = tf.memory().numTensors;
    tf.tidy(() => tf.grad((z: tf.Tensor) => focalLoss(z as tf.Tensor2D, targets, { alpha: [1, 2, 3] }))(logitsTensor)).dispose();
    const loss = focalLoss(logitsTensor, targets, { gamma: 1.5, labelSmoothing: 0.1, classWeights: [1, 2, 3] });
    expect(tf.memory().numTensors).toBe(before + 1);
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
