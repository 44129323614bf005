import {
  confusionMatrix,
  labelledConfusionMatrixSchema,
  matrixAccuracy,
  predictedCounts,
  trueCounts,
  truePositives,
} from './confusion-matrix';

describe('confusionMatrix', () => {
  it('counts matrix[true][predicted] as scikit-learn does', () => {
    // sklearn.metrics.confusion_matrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2])
    const matrix = confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], 3);
    expect(matrix).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
    expect(trueCounts(matrix)).toEqual([2, 1, 3]);
    expect(predictedCounts(matrix)).toEqual([3, 0, 3]);
    expect(truePositives(matrix)).toEqual([2, 0, 2]);
    expect(matrixAccuracy(matrix)).toBe(4 / 6);
  });

  it('rejects indices outside the classes instead of dropping them', () => {
    expect(() => confusionMatrix([0, 3], [0, 0], 3)).toThrow(/sample 1: class indices must be integers in 0..2/);
    expect(() => confusionMatrix([0], [0, 1], 3)).toThrow(RangeError);
  });

  it('validates the labelled form', () => {
    expect(labelledConfusionMatrixSchema.safeParse({ labels: ['a', 'b'], matrix: [[1, 0]] }).success).toBe(false);
    expect(labelledConfusionMatrixSchema.safeParse({ labels: ['a'], matrix: [[-1]] }).success).toBe(false);
    expect(labelledConfusionMatrixSchema.parse({ labels: ['a'], matrix: [[3]] })).toEqual({ labels: ['a'], matrix: [[3]] });
  });
});
