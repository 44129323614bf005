import { tf } from '@a2d/engine';
import { Rng } from '@a2d/core';
import { RelativePositionSelfAttention } from './relative-position-self-attention';
import { relativePositionIndices } from './relative-position-bias';

function randomValues(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.uniform(-1, 1));
}

/** The layer's forward pass in plain loops: x [T][D] per batch entry, weights as flat row-major arrays. */
function handAttention(
  x: number[][],
  w: { qkv: number[]; queryBias: number[]; valueBias: number[]; out: number[]; outBias: number[]; table: number[] },
  numHeads: number,
  maxDistance: number,
): number[][] {
  const length = x.length;
  const width = x[0].length;
  const perHead = width / numHeads;
  const tableWidth = 2 * maxDistance + 1;
  // the key projection has no bias
  const qkvBias = [...w.queryBias, ...new Array<number>(width).fill(0), ...w.valueBias];
  const qkv = x.map((row) =>
    Array.from({ length: 3 * width }, (_, c) => row.reduce((sum, v, d) => sum + v * w.qkv[d * 3 * width + c], qkvBias[c])),
  );
  const concat = x.map(() => new Array<number>(width).fill(0));
  for (let h = 0; h < numHeads; h++) {
    for (let i = 0; i < length; i++) {
      const logits: number[] = [];
      for (let j = 0; j < length; j++) {
        let dot = 0;
        for (let e = 0; e < perHead; e++) dot += qkv[i][h * perHead + e] * qkv[j][width + h * perHead + e];
        const distance = Math.max(-maxDistance, Math.min(maxDistance, j - i));
        logits.push(dot / Math.sqrt(perHead) + w.table[h * tableWidth + distance + maxDistance]);
      }
      const top = Math.max(...logits);
      const exps = logits.map((l) => Math.exp(l - top));
      const total = exps.reduce((a, b) => a + b, 0);
      for (let e = 0; e < perHead; e++) {
        let value = 0;
        for (let j = 0; j < length; j++) value += (exps[j] / total) * qkv[j][2 * width + h * perHead + e];
        concat[i][h * perHead + e] = value;
      }
    }
  }
  return concat.map((row) =>
    Array.from({ length: width }, (_, c) => row.reduce((sum, v, d) => sum + v * w.out[d * width + c], w.outBias[c])),
  );
}

describe('RelativePositionSelfAttention', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('clips relative distances into the bias table', () => {
    // length 4, max distance 1: j - i of -3..3 maps to columns 0..2
    expect(Array.from(relativePositionIndices(4, 1))).toEqual([1, 2, 2, 2, 0, 1, 2, 2, 0, 0, 1, 2, 0, 0, 0, 1]);
  });

  it('matches a hand computation, relative bias included', () => {
    const [batch, length, width, numHeads, maxDistance] = [2, 4, 6, 2, 1];
    const layer = new RelativePositionSelfAttention({ numHeads, maxRelativeDistance: maxDistance, seed: 1, name: 'attention' });
    const rng = new Rng('attention-hand');
    const x = randomValues(rng, batch * length * width);
    const input = tf.tensor3d(x, [batch, length, width]);
    layer.apply(input);
    const weights = {
      qkv: randomValues(rng, width * 3 * width),
      queryBias: randomValues(rng, width),
      valueBias: randomValues(rng, width),
      out: randomValues(rng, width * width),
      outBias: randomValues(rng, width),
      // large enough that a wrong distance-to-column mapping changes the output visibly
      table: randomValues(rng, numHeads * (2 * maxDistance + 1)).map((v) => 3 * v),
    };
    layer.setWeights([
      tf.tensor2d(weights.qkv, [width, 3 * width]),
      tf.tensor1d(weights.queryBias),
      tf.tensor1d(weights.valueBias),
      tf.tensor2d(weights.out, [width, width]),
      tf.tensor1d(weights.outBias),
      tf.tensor2d(weights.table, [numHeads, 2 * maxDistance + 1]),
    ]);
    const output = (layer.apply(input) as tf.Tensor).arraySync() as number[][][];
    for (let b = 0; b < batch; b++) {
      const rows = Array.from({ length }, (_, t) => x.slice((b * length + t) * width, (b * length + t + 1) * width));
      const expected = handAttention(rows, weights, numHeads, maxDistance);
      output[b].forEach((row, t) => row.forEach((v, c) => expect(v).toBeCloseTo(expected[t][c], 4)));
    }
    // the bias matters: zeroing it changes the output
    layer.setWeights([...layer.getWeights().slice(0, 5), tf.zeros([numHeads, 2 * maxDistance + 1])]);
    const unbiased = (layer.apply(input) as tf.Tensor).arraySync() as number[][][];
    expect(Math.abs(unbiased[0][0][0] - output[0][0][0])).toBeGreaterThan(1e-3);
  });

  it('has only weights that learn: no key bias, and a table no longer than the sequences reach (8 frames, distance 8)', () => {
    const [batch, length, width, numHeads] = [2, 8, 8, 2];
    const layer = new RelativePositionSelfAttention({ numHeads, maxRelativeDistance: 8, maxSequenceLength: length, seed: 4, name: 'attention' });
    const input = tf.randomNormal([batch, length, width], 0, 1, 'float32', 5) as tf.Tensor3D;
    layer.apply(input);
    expect(layer.weights.map((w) => `${w.originalName} [${w.shape.join(', ')}]`)).toEqual([
      'attention/qkv_kernel [8, 24]',
      'attention/query_bias [8]',
      'attention/value_bias [8]',
      'attention/output_kernel [8, 8]',
      'attention/output_bias [8]',
      // distances -7..7: 15 columns, not 2 * 8 + 1 (the clipped ends at +-8 would never be used)
      'attention/relative_bias [2, 15]',
    ]);
    // random biases, so no gradient is zero by symmetry; a fixed random projection of the output as the loss
    layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 20 + i)));
    const direction = tf.randomNormal([batch, length, width], 0, 1, 'float32', 6);
    const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, direction)) as tf.Scalar, variables);
    for (const variable of variables) {
      // every element moves the loss: a dead one (a key bias at ~1e-9, an unused table column at 0) fails here
      const smallest = tf.tidy(() => tf.min(tf.abs(grads[variable.name])).dataSync()[0]);
      expect({ weight: variable.name, learns: smallest > 1e-5 }).toEqual({ weight: variable.name, learns: true });
    }
  });

  it('sizes the table by maxSequenceLength: all 2D + 1 columns for any length, fewer for short clips; longer inputs throw', () => {
    const tableShape = (maxSequenceLength: number | null) => {
      const layer = new RelativePositionSelfAttention({ numHeads: 2, maxRelativeDistance: 3, maxSequenceLength, seed: 1 });
      layer.apply(tf.zeros([1, maxSequenceLength ?? 6, 4]));
      return layer.getWeights()[5].shape;
    };
    expect([null, 10, 4, 3, 1].map(tableShape)).toEqual([[2, 7], [2, 7], [2, 7], [2, 5], [2, 1]]);
    const short = new RelativePositionSelfAttention({ numHeads: 2, maxRelativeDistance: 3, maxSequenceLength: 3, seed: 1, name: 'short' });
    expect((short.apply(tf.zeros([1, 2, 4])) as tf.Tensor).shape).toEqual([1, 2, 4]);
    expect(() => short.apply(tf.zeros([1, 4, 4]))).toThrow(/short: built for sequences of at most 3 tokens, got 4/);
    expect(() => new RelativePositionSelfAttention({ numHeads: 2, maxRelativeDistance: 3, maxSequenceLength: 0, seed: 1 })).toThrow(RangeError);
  });

  it('with a short table gives what the full table gives when their middle columns agree', () => {
    // a 3-token layer keeps columns for -2..2; a wide-table layer (any length) with the same middle columns agrees
    const [length, width, numHeads] = [3, 4, 2];
    const input = tf.randomNormal([2, length, width], 0, 1, 'float32', 8);
    const short = new RelativePositionSelfAttention({ numHeads, maxRelativeDistance: 5, maxSequenceLength: length, seed: 2 });
    const wide = new RelativePositionSelfAttention({ numHeads, maxRelativeDistance: 5, seed: 2 });
    short.apply(input);
    wide.apply(input);
    const shortTable = tf.randomNormal([numHeads, 5], 0, 1, 'float32', 9);
    const wideTable = tf.concat([tf.randomNormal([numHeads, 3], 0, 1, 'float32', 10), shortTable, tf.randomNormal([numHeads, 3], 0, 1, 'float32', 11)], 1);
    short.setWeights([...wide.getWeights().slice(0, 5), shortTable]);
    wide.setWeights([...wide.getWeights().slice(0, 5), wideTable]);
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(short.apply(input) as tf.Tensor, wide.apply(input) as tf.Tensor))).dataSync()[0]);
    expect(gap).toBeLessThan(1e-6);
  });

  it('drops attention only in training, from its seeded stream', () => {
    const input = tf.randomUniform([2, 5, 8], -1, 1, 'float32', 3);
    const make = () => new RelativePositionSelfAttention({ numHeads: 2, maxRelativeDistance: 2, attentionDropout: 0.5, seed: 9 });
    const a = make();
    const b = make();
    const inference = a.apply(input) as tf.Tensor;
    const again = a.apply(input) as tf.Tensor;
    expect(inference.arraySync()).toEqual(again.arraySync());
    const trainA = (a.apply(input, { training: true }) as tf.Tensor).arraySync();
    const trainB = (b.apply(input, { training: true }) as tf.Tensor).arraySync();
    expect(trainA).toEqual(trainB);
    expect(trainA).not.toEqual(inference.arraySync());
  });
});
