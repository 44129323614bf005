import { meanClassAccuracy } from './mean-class-accuracy';

describe('meanClassAccuracy', () => {
  it('averages per-class accuracy over classes with clips only', () => {
    // class 0: 2 of 4 right, class 1: no clips (left out), class 2: 1 of 1 -> (0.5 + 1) / 2
    expect(meanClassAccuracy([4, 0, 1], [2, 0, 1])).toBe(0.75);
    expect(meanClassAccuracy([0, 0], [0, 0])).toBe(0);
    expect(() => meanClassAccuracy([1], [])).toThrow(RangeError);
  });
});
