import { initEngine, tf } from '@a2d/engine';
import { WeightEma } from './weight-ema';

describe('WeightEma', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'cpu', log: () => undefined });
  });

  it('averages with the (warming-up) decay and swaps the average in and back out', () => {
    const w = tf.variable(tf.tensor1d([0, 0]), true, 'w');
    const ema = new WeightEma([w], { decay: 0.9, warmup: true });
    expect(ema.decayAt(1)).toBeCloseTo(2 / 11, 12);
    expect(ema.decayAt(1000)).toBe(0.9);
    tf.tidy(() => w.assign(tf.tensor1d([1, 2])));
    const before = tf.memory().numTensors;
    ema.update(1);
    const d = 2 / 11;
    expect(Array.from(ema.getValues()[0])).toEqual([expect.closeTo(1 - d, 6), expect.closeTo(2 * (1 - d), 6)]);
    const seen = ema.withAveragedWeights(() => Array.from(w.dataSync()));
    expect(seen[0]).toBeCloseTo(1 - d, 6);
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before);
    const copy = new WeightEma([w], { decay: 0.9, warmup: false });
    copy.setValues(ema.getValues());
    expect(copy.getValues()).toEqual(ema.getValues());
    expect(() => copy.setValues([new Float32Array(3)])).toThrow(/has 3 values, expected 2/);
    ema.dispose();
    copy.dispose();
    w.dispose();
  });
});
