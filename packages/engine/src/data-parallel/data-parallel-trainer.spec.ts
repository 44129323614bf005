import path from 'node:path';
import { Rng } from '@a2d/core';
import { tf } from '../index';
import { relativeError, startCpuAndWasm } from '../testing/backend-pair';
import { createReplica, type LinearReplicaOptions } from '../testing/linear-replica';
import { DataParallelTrainer } from './data-parallel-trainer';
import { splitBatch, type BatchPayload } from './replica';

const options: LinearReplicaOptions = { inputs: 6, outputs: 3, seed: 'data-parallel', learningRate: 0.1 };
const replica = { module: path.join(__dirname, '..', 'testing', 'linear-replica.ts'), options };

function batch(examples: number, seed: string): BatchPayload {
  const rng = new Rng(seed);
  return {
    x: { values: Float32Array.from({ length: examples * 6 }, () => rng.normal()), shape: [examples, 6], dtype: 'float32' },
    y: { values: Float32Array.from({ length: examples * 3 }, () => rng.normal()), shape: [examples, 3], dtype: 'float32' },
  };
}

/** The same SGD steps on whole batches in this thread: what the workers must reproduce. */
async function referenceWeights(batches: BatchPayload[]): Promise<Float32Array[]> {
  await tf.setBackend('wasm');
  const model = createReplica(options);
  for (const b of batches) {
    const inputs = { x: tf.tensor(b.x.values, b.x.shape), y: tf.tensor(b.y.values, b.y.shape) };
    model.optimizer.minimize(() => model.loss(inputs), false, model.variables);
    tf.dispose(Object.values(inputs));
  }
  const values = model.variables.map((v) => Float32Array.from(v.dataSync()));
  tf.dispose(model.variables);
  return values;
}

describe('DataParallelTrainer', () => {
  beforeAll(startCpuAndWasm);

  it('splits a batch on axis 0 into near-equal shards and drops empty ones', () => {
    const shards = splitBatch(batch(5, 'split'), 2);
    expect(shards.map((s) => s.x.shape)).toEqual([[3, 6], [2, 6]]);
    expect(Array.from(shards[1].y.values)).toEqual(Array.from(batch(5, 'split').y.values.slice(9)));
    expect(splitBatch(batch(1, 'one'), 2)).toHaveLength(1);
    expect(() => splitBatch({ ...batch(4, 'bad'), y: batch(3, 'bad').y }, 2)).toThrow(/input y has 3 examples on axis 0, expected 4/);
  });

  it('trains two worker replicas to the weights of whole-batch steps in one thread', async () => {
    const batches = [batch(5, 'step-1'), batch(7, 'step-2')];
    const expected = await referenceWeights(batches);
    const trainer = await DataParallelTrainer.start({ workers: 2, replica });
    try {
      expect(trainer.backend).toBe('wasm');
      expect(trainer.shapes).toEqual([[6, 3], [3]]);
      const losses: number[] = [];
      for (const b of batches) losses.push(await trainer.step(splitBatch(b, trainer.workers)));
      expect(losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
      const weights = await trainer.weights();
      expected.forEach((values, i) => expect(relativeError(weights[i], values)).toBeLessThanOrEqual(1e-5));
      const predictions = await trainer.predict(splitBatch(batch(4, 'predict'), 2));
      expect(predictions.map((p) => p.shape)).toEqual([[2, 3], [2, 3]]);
    } finally {
      await trainer.stop();
    }
  });

  it('reports a replica module that cannot be loaded, naming it', async () => {
    await expect(DataParallelTrainer.start({ workers: 1, replica: { module: path.join(__dirname, 'no-such-replica.ts') } })).rejects.toThrow(/no-such-replica/);
  });
});
