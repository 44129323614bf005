import { scheduleConfigSchema } from '@a2d/core';
import { learningRateAt } from './lr-schedule';

const schedule = (overrides: object = {}) => ({ optimizer: { lr: 1 }, schedule: scheduleConfigSchema.parse(overrides), epochs: 10 });

describe('learningRateAt', () => {
  it('warms up linearly, peaks, then follows the cosine to the floor', () => {
    const s = schedule({ warmupEpochs: 2, warmupStartFactor: 0.1, minLrFactor: 0.01 });
    const at = (epoch: number, step = 0) => learningRateAt({ epoch, step, stepsPerEpoch: 4 }, s);
    expect(at(0)).toBeCloseTo(0.1, 12);
    expect(at(1)).toBeCloseTo(0.55, 12);
    expect(at(1, 2)).toBeCloseTo(0.1 + 0.9 * 0.75, 12);
    expect(at(2)).toBeCloseTo(1, 12);
    expect(at(6)).toBeCloseTo(0.01 + 0.5 * 0.99, 12); // half-way through the cosine
    expect(at(10)).toBeCloseTo(0.01, 12);
    for (let e = 2; e < 10; e++) expect(at(e + 1)).toBeLessThan(at(e));
  });

  it('restarts: every cycle starts at a (decayed) peak and cycles lengthen', () => {
    const s = schedule({ warmupEpochs: 0, minLrFactor: 0, restarts: { enabled: true, cycleEpochs: 2, cycleMult: 2, peakDecay: 0.5 } });
    const at = (epoch: number) => learningRateAt({ epoch, step: 0, stepsPerEpoch: 1 }, s);
    expect(at(0)).toBeCloseTo(1, 12);
    expect(at(1)).toBeCloseTo(0.5, 12);
    expect(at(2)).toBeCloseTo(0.5, 12); // second cycle (4 epochs), peak halved
    expect(at(4)).toBeCloseTo(0.25, 12);
    expect(at(6)).toBeCloseTo(0.25, 12); // third cycle (8 epochs)
  });

  it('is a pure function of (epoch, step): a resumed run gets the same rates', () => {
    const s = schedule({ warmupEpochs: 1.5 });
    const all = Array.from({ length: 40 }, (_, i) => learningRateAt({ epoch: Math.floor(i / 4), step: i % 4, stepsPerEpoch: 4 }, s));
    const again = Array.from({ length: 20 }, (_, i) => learningRateAt({ epoch: 5 + Math.floor(i / 4), step: i % 4, stepsPerEpoch: 4 }, s));
    expect(again).toEqual(all.slice(20));
    expect(learningRateAt({ epoch: 3, step: 0, stepsPerEpoch: 4 }, { ...s, schedule: scheduleConfigSchema.parse({ kind: 'constant' }) })).toBe(1);
    expect(() => learningRateAt({ epoch: 0, step: 0, stepsPerEpoch: 0 }, s)).toThrow(/stepsPerEpoch/);
  });
});
