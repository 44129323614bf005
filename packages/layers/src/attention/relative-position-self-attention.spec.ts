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
  w: { qkv: number[]; qkvBias: number[]; out: number[]; outBias: number[]; table: number[] },
  numHeads: number,
  maxDistance: number,
): number[][] {
  const length = x.length;
  const width = x[0].length;
  const perHead = width / numHeads;
  const tableWidth = 2 * maxDistance + 1;
  const qkv = x.map((row) =>
    Array.from({ length: 3 * width }, (_, c) => row.reduce((sum, v, d) => sum + v * w.qkv[d * 3 * width + c], w.qkvBias[c])),
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
      qkvBias: randomValues(rng, 3 * width),
      out: randomValues(rng, width * width),
      outBias: randomValues(rng, width),
      // large enough that a wrong distance-to-column mapping changes the output visibly
      table: randomValues(rng, numHeads * (2 * maxDistance + 1)).map((v) => 3 * v),
    };
    layer.setWeights([
      tf.tensor2d(weights.qkv, [width, 3 * width]),
      tf.tensor1d(weights.qkvBias),
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
    layer.setWeights([...layer.getWeights().slice(0, 4), tf.zeros([numHeads, 2 * maxDistance + 1])]);
    const unbiased = (layer.apply(input) as tf.Tensor).arraySync() as number[][][];
    expect(Math.abs(unbiased[0][0][0] - output[0][0][0])).toBeGreaterThan(1e-3);
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
