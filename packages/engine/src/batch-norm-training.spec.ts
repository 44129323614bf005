import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { batchNormTraining } from './batch-norm-training';
import { setBatchStatisticsReducer, withBatchStatisticsStep, type BatchStatisticsReducer, type ChannelMoments, type ChannelSums } from './data-parallel/batch-statistics-reducer';
import { normalValues, relativeError, startCpuAndWasm, valuesOn, wasmLeaksOf } from './testing/backend-pair';

const shape: [number, number, number, number] = [3, 5, 4, 7];

function inputs(label: string): { x: Float32Array; dy: Float32Array; scale: Float32Array; offset: Float32Array } {
  const rng = new Rng(label);
  return {
    x: normalValues(rng, 3 * 5 * 4 * 7).map((v) => 2 + 3 * v),
    dy: normalValues(rng, 3 * 5 * 4 * 7),
    scale: normalValues(rng, 7).map((v) => 1 + 0.2 * v),
    offset: normalValues(rng, 7),
  };
}

/** y, dx, dScale, dOffset of `sum(y * dy)`, by our op or tfjs's moments + batchNorm. */
function outputsAndGradients(values: ReturnType<typeof inputs>, ours: boolean): () => tf.Tensor[] {
  return () => {
    const weights = tf.tensor4d(values.dy, shape);
    const f = (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
      if (ours) return batchNormTraining(x, scale as tf.Tensor1D, offset as tf.Tensor1D, 1e-3).y;
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, mean, variance, offset as tf.Tensor1D, scale as tf.Tensor1D, 1e-3);
    };
    const args = [tf.tensor4d(values.x, shape), tf.tensor1d(values.scale), tf.tensor1d(values.offset)];
    const y = f(args[0], args[1], args[2]);
    const grads = tf.grads((x: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(f(x, s, o), weights)))(args);
    return [y, ...grads];
  };
}

const channels = 7;
const epsilon = 1e-3;

/** Per-channel float64 mean and biased variance of rows [start, end) of `x` (rows of `channels`). */
function rowMoments(x: Float32Array, start: number, end: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let r = start; r < end; r++) for (let c = 0; c < channels; c++) mean[c] += x[r * channels + c] / (end - start);
  for (let r = start; r < end; r++) for (let c = 0; c < channels; c++) variance[c] += (x[r * channels + c] - mean[c]) ** 2 / (end - start);
  return { mean, variance };
}

/**
 * Plays "the other replica" of a two-replica step for `batchNormTraining` in this thread: it adds the other shard's
 * statistics (computed here from the whole batch's arrays) to this one's, as the shared-memory reducer would.
 */
class OtherShardReducer implements BatchStatisticsReducer {
  readonly stepReplicas = 2;
  constructor(private readonly other: { moments: ChannelMoments; sums: ChannelSums & { count: number } }) {}
  beginStep(): void {}
  endStep(): void {}
  reduceMoments(local: ChannelMoments): { count: number; mean: Float64Array; variance: Float64Array } {
    const { moments } = this;
    const count = local.count + moments.count;
    const mean = Float64Array.from({ length: channels }, (_, c) => (local.mean[c] * local.count + moments.mean[c] * moments.count) / count);
    const variance = Float64Array.from(
      { length: channels },
      (_, c) => (local.count * (local.variance[c] + (local.mean[c] - mean[c]) ** 2) + moments.count * (moments.variance[c] + (moments.mean[c] - mean[c]) ** 2)) / count,
    );
    return { count, mean, variance };
  }
  reduceSums(count: number, first: ArrayLike<number>, second: ArrayLike<number>): ChannelSums & { count: number } {
    const { sums } = this.other;
    return { count: count + sums.count, first: Float64Array.from(sums.first, (v, c) => v + first[c]), second: Float64Array.from(sums.second, (v, c) => v + second[c]) };
  }
  private get moments(): ChannelMoments {
    return this.other.moments;
  }
}

describe('batchNormTraining', () => {
  beforeAll(startCpuAndWasm);

  it.each(['cpu', 'wasm'] as const)('equals tfjs moments + batchNorm and its gradients on %s', async (backend) => {
    const values = inputs('batch-norm/equals');
    const expected = await valuesOn('cpu', outputsAndGradients(values, false));
    // tfjs's per-kernel leak check counts customGrad's saved tensors as leaks; the whole-call check below covers ours.
    tf.env().set('IS_TEST', false);
    const actual = await valuesOn(backend, outputsAndGradients(values, true));
    tf.env().set('IS_TEST', true);
    expected.forEach((values, i) => expect(relativeError(actual[i], values)).toBeLessThanOrEqual(1e-4));
  });

  it('returns the batch mean and biased variance per channel', async () => {
    const values = inputs('batch-norm/moments');
    const [mean, variance] = await valuesOn('wasm', () => {
      const result = batchNormTraining(tf.tensor4d(values.x, shape), tf.tensor1d(values.scale), tf.tensor1d(values.offset));
      return [result.mean, result.variance];
    });
    const [expectedMean, expectedVariance] = await valuesOn('cpu', () => {
      const m = tf.moments(tf.tensor4d(values.x, shape), [0, 1, 2]);
      return [m.mean, m.variance];
    });
    expect(relativeError(mean, expectedMean)).toBeLessThanOrEqual(1e-6);
    expect(relativeError(variance, expectedVariance)).toBeLessThanOrEqual(1e-5);
  });

  it('runs its wasm kernels without leaks', async () => {
    const values = inputs('batch-norm/leaks');
    const kernels = () => {
      const x = tf.tensor4d(values.x, shape);
      const scale = tf.tensor1d(values.scale);
      const [mean, variance] = tf.engine().runKernel('A2dChannelMoments', { x }) as tf.Tensor[];
      const grads = tf.engine().runKernel('A2dBatchNormGrad', { x, dy: tf.tensor4d(values.dy, shape), mean, variance, scale }, { varianceEpsilon: 1e-3 }) as tf.Tensor[];
      return [mean, variance, ...grads];
    };
    expect(await wasmLeaksOf(kernels)).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
  });

  it('splits its wasm gradient kernel around the all-reduce: sums, then the input gradient from given means, equal the fused kernel', async () => {
    const values = inputs('batch-norm/phases');
    const run = (phased: boolean) => () => {
      const x = tf.tensor4d(values.x, shape);
      const dy = tf.tensor4d(values.dy, shape);
      const scale = tf.tensor1d(values.scale);
      const [mean, variance] = tf.engine().runKernel('A2dChannelMoments', { x }) as tf.Tensor[];
      if (!phased) return tf.engine().runKernel('A2dBatchNormGrad', { x, dy, mean, variance, scale }, { varianceEpsilon: 1e-3 }) as tf.Tensor[];
      const [dScale, dOffset] = tf.engine().runKernel('A2dBatchNormGrad', { x, dy, mean, variance }, { varianceEpsilon: 1e-3, phase: 'sums' }) as tf.Tensor[];
      const rows = 3 * 5 * 4;
      const [dx] = tf.engine().runKernel('A2dBatchNormGrad', { x, dy, mean, variance, scale, meanDy: tf.div(dOffset, rows), meanDyXhat: tf.div(dScale, rows) }, { varianceEpsilon: 1e-3, phase: 'input' }) as tf.Tensor[];
      return [dx, dScale, dOffset];
    };
    const fused = await valuesOn('wasm', run(false));
    const phased = await valuesOn('wasm', run(true));
    // The sums are the same; dx differs only by the float32 rounding of the given means.
    expect(phased.slice(1).map((v) => Array.from(v))).toEqual(fused.slice(1).map((v) => Array.from(v)));
    expect(relativeError(phased[0], fused[0])).toBeLessThanOrEqual(1e-6);
    expect(await wasmLeaksOf(run(true))).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
    await tf.setBackend('wasm');
    expect(() => tf.engine().runKernel('A2dBatchNormGrad', { x: tf.zeros([2, 7]), dy: tf.zeros([2, 7]), mean: tf.zeros([7]), variance: tf.ones([7]) }, { phase: 'all' })).toThrow(/phase must be one of full, sums, input, got all/);
  });

  it.each(['cpu', 'wasm'] as const)('synchronised over two unequal shards on %s: each shard weighted by its share gives the whole batch\'s output and gradients', async (backend) => {
    // The batch: 3 examples of 5 x 4 rows; shard A = examples 0-1 (40 rows), shard B = example 2 (20 rows).
    const values = inputs('batch-norm/synchronised');
    const rowsPerExample = 20;
    const examples = [2, 1];
    const rowCounts = examples.map((n) => n * rowsPerExample);
    const total = 60;
    // The whole batch's mean loss is sum(y * w) / 3; shard s's is sum(y_s * w_s) / n_s (n_s examples).
    const whole = await valuesOn(backend, () => {
      const weights = tf.tensor4d(values.dy, shape);
      const f = (x: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.div(tf.sum(tf.mul(batchNormTraining(x, s as tf.Tensor1D, o as tf.Tensor1D, epsilon).y, weights)), 3);
      const args = [tf.tensor4d(values.x, shape), tf.tensor1d(values.scale), tf.tensor1d(values.offset)];
      return [batchNormTraining(args[0], args[1] as tf.Tensor1D, args[2] as tf.Tensor1D, epsilon).y, ...tf.grads(f)(args)];
    });
    const global = rowMoments(values.x, 0, total);
    /** Shard s's contributions as the other replica sends them: its moments, and c_s times its sums of dL_s/dy and dL_s/dy * xhat. */
    const contributions = (s: number) => {
      const start = s === 0 ? 0 : rowCounts[0];
      const end = start + rowCounts[s];
      const first = new Float64Array(channels);
      const second = new Float64Array(channels);
      for (let r = start; r < end; r++) {
        for (let c = 0; c < channels; c++) {
          const dy = values.dy[r * channels + c] / examples[s];
          first[c] += rowCounts[s] * dy;
          second[c] += rowCounts[s] * dy * ((values.x[r * channels + c] - global.mean[c]) / Math.sqrt(global.variance[c] + epsilon));
        }
      }
      return { moments: { count: rowCounts[s], ...rowMoments(values.x, start, end) }, sums: { first, second, count: rowCounts[s] } };
    };
    const shard = async (s: number) => {
      const offset = s === 0 ? 0 : rowCounts[0] * channels;
      const size = rowCounts[s] * channels;
      const shardShape: [number, number, number, number] = [examples[s], 5, 4, channels];
      setBatchStatisticsReducer(new OtherShardReducer(contributions(1 - s)));
      try {
        return await valuesOn(backend, () =>
          withBatchStatisticsStep({ replicas: 2, update: 1, batch: 1 }, () => {
            const weights = tf.tensor4d(values.dy.slice(offset, offset + size), shardShape);
            const f = (x: tf.Tensor, sc: tf.Tensor, o: tf.Tensor) => tf.div(tf.sum(tf.mul(batchNormTraining(x, sc as tf.Tensor1D, o as tf.Tensor1D, epsilon).y, weights)), examples[s]);
            const args = [tf.tensor4d(values.x.slice(offset, offset + size), shardShape), tf.tensor1d(values.scale), tf.tensor1d(values.offset)];
            const before = tf.memory().numTensors;
            const result = batchNormTraining(args[0], args[1] as tf.Tensor1D, args[2] as tf.Tensor1D, epsilon);
            expect(result.count).toBe(total);
            const grads = tf.grads(f)(args);
            // Output, statistics and three gradients: nothing else stays behind.
            expect(tf.memory().numTensors - before).toBe(6);
            return [result.y, ...grads];
          }),
        );
      } finally {
        setBatchStatisticsReducer(undefined);
      }
    };
    const [a, b] = [await shard(0), await shard(1)];
    const share = examples.map((n) => n / 3);
    const cut = rowCounts[0] * channels;
    expect(relativeError(Float32Array.from([...a[0], ...b[0]]), whole[0])).toBeLessThanOrEqual(1e-5); // y
    expect(relativeError(Float32Array.from([...a[1].map((v) => v * share[0]), ...b[1].map((v) => v * share[1])]), whole[1])).toBeLessThanOrEqual(1e-4); // dx
    expect(relativeError(a[1].map((v) => v * share[0]), whole[1].slice(0, cut))).toBeLessThanOrEqual(1e-4);
    for (const k of [2, 3]) expect(relativeError(a[k].map((v, c) => share[0] * v + share[1] * b[k][c]), whole[k])).toBeLessThanOrEqual(1e-5); // dScale, dOffset
  });
});
