import { isTopKHit, scoreRank, topKAccuracy } from './top-k-accuracy';

describe('top-k accuracy', () => {
  it('counts a clip when its class is among the k highest scores', () => {
    const scores = [
      [0.1, 0.6, 0.3],
      [0.5, 0.2, 0.3],
      [0.2, 0.3, 0.5],
    ];
    const targets = [2, 1, 2];
    expect(topKAccuracy(scores, targets, 1)).toBe(1 / 3);
    expect(topKAccuracy(scores, targets, 2)).toBe(2 / 3);
    expect(topKAccuracy(scores, targets, 3)).toBe(1);
    expect(topKAccuracy([], [], 1)).toBe(0);
  });

  it("breaks ties like scikit-learn's top_k_accuracy_score: the higher class index ranks first", () => {
    expect(scoreRank([0.5, 0.5, 0], 0)).toBe(1);
    expect(scoreRank([0.5, 0.5, 0], 1)).toBe(0);
    expect(isTopKHit([0.5, 0.5, 0], 0, 1)).toBe(false);
    expect(isTopKHit([0.5, 0.5, 0], 1, 1)).toBe(true);
  });

  it('rejects bad input', () => {
    expect(() => isTopKHit([0.5, 0.5], 2, 1)).toThrow(RangeError);
    expect(() => topKAccuracy([[1]], [0], 0)).toThrow(RangeError);
    expect(() => topKAccuracy([[1]], [], 1)).toThrow(RangeError);
  });
});
