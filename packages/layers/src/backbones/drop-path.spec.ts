import { tf } from '@a2d/engine';
import { DropPath, dropPathRateAt } from './drop-path';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Per-sample scale the layer applied to an all-ones [batch, 2, 2, 3] input (checking the whole sample agrees). */
function sampleScales(layer: DropPath, batch: number, training: boolean): number[] {
  return tf.tidy(() => {
    const out = layer.apply(tf.ones([batch, 2, 2, 3]), { training }) as tf.Tensor;
    const values = out.dataSync();
    const perSample = 12;
    return Array.from({ length: batch }, (_, i) => {
      const sample = values.slice(i * perSample, (i + 1) * perSample);
      expect(sample.every((v) => v === sample[0])).toBe(true);
      return sample[0]!;
    });
  });
}

describe('DropPath', () => {
  it('is the identity at inference', () => {
    const layer = new DropPath({ rate: 0.5, seed: 1 });
    const x = tf.tensor4d([1, -2, 3, 4], [4, 1, 1, 1]);
    const y = layer.apply(x) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([1, -2, 3, 4]);
    expect(sampleScales(layer, 8, false)).toEqual(Array(8).fill(1));
    tf.dispose([x, y]);
  });

  it('in training drops whole samples at the given rate and rescales the kept ones', () => {
    const rate = 0.3;
    const layer = new DropPath({ rate, seed: 7 });
    const before = tf.memory().numTensors;
    const scales = sampleScales(layer, 4000, true);
    expect(tf.memory().numTensors).toBe(before);
    const keptScale = Math.fround(1 / (1 - rate));
    expect(new Set(scales)).toEqual(new Set([0, keptScale]));
    const dropped = scales.filter((s) => s === 0).length / scales.length;
    expect(Math.abs(dropped - rate)).toBeLessThan(0.03);
    // The expected output is the input.
    const mean = scales.reduce((a, b) => a + b, 0) / scales.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.05);
  });

  it('draws the same masks from the same seed, other masks from another seed and from later calls', () => {
    const first = sampleScales(new DropPath({ rate: 0.5, seed: 3 }), 64, true);
    const again = new DropPath({ rate: 0.5, seed: 3 });
    expect(sampleScales(again, 64, true)).toEqual(first);
    expect(sampleScales(again, 64, true)).not.toEqual(first);
    expect(sampleScales(new DropPath({ rate: 0.5, seed: 4 }), 64, true)).not.toEqual(first);
  });

  it('serializes its rate and seed, and rejects a rate outside [0, 1)', () => {
    const layer = new DropPath({ rate: 0.25, seed: 11, name: 'block_drop' });
    const config = layer.getConfig();
    expect(config).toMatchObject({ rate: 0.25, seed: 11, name: 'block_drop' });
    const revived = tf.serialization.SerializationMap.getMap().classNameMap['DropPath'];
    expect(revived?.[0]).toBe(DropPath);
    expect(() => new DropPath({ rate: 1 })).toThrow(RangeError);
    expect(() => new DropPath({ rate: -0.1 })).toThrow(RangeError);
  });

  it('rises linearly from 0 at the first block to the maximum at the last', () => {
    [0, 0.05, 0.1, 0.15, 0.2].forEach((expected, i) => expect(dropPathRateAt(0.2, i, 5)).toBeCloseTo(expected, 12));
    expect(dropPathRateAt(0.2, 0, 1)).toBe(0);
  });
});
