import path from 'node:path';
import { tf } from '../index';
import { relativeError, startCpuAndWasm } from '../testing/backend-pair';
import { linearBatch, linearReplicaSpec, type LinearReplicaOptions } from '../testing/linear-replica';
import { DataParallelTrainer } from './data-parallel-trainer';
import { InProcessTrainer } from './in-process-trainer';
import { splitBatch, type BatchPayload } from './replica';
import type { ReplicaTrainer } from './replica-trainer';

const adam: LinearReplicaOptions = { inputs: 6, outputs: 3, seed: 'data-parallel', optimizer: 'adam', unusedVariable: true };
const batch = (examples: number, seed: string) => linearBatch(examples, seed, 6, 3);
const rate = (step: number) => 0.05 / step;

/** `steps` updates on `batches` (split over the trainer's workers) at the decaying rate, from step `from`. */
async function train(trainer: ReplicaTrainer, batches: BatchPayload[], from = 1): Promise<void> {
  for (let i = 0; i < batches.length; i++) {
    const summary = await trainer.step(splitBatch(batches[i], trainer.workers), { learningRate: rate(from + i) });
    expect(summary).toMatchObject({ applied: true, step: from + i, finite: true });
  }
}

/** The same updates on whole batches in this thread: what the workers must reproduce. */
async function inProcessWeights(options: LinearReplicaOptions, batches: BatchPayload[]): Promise<Float32Array[]> {
  const trainer = await InProcessTrainer.create({ replica: linearReplicaSpec(options) });
  try {
    await train(trainer, batches);
    return await trainer.weights();
  } finally {
    await trainer.stop();
  }
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

  it('trains two worker replicas (odd shard sizes, Adam, per-step rate, a variable without gradient) to the whole-batch weights', async () => {
    const batches = [batch(5, 'step-1'), batch(7, 'step-2'), batch(3, 'step-3')];
    const expected = await inProcessWeights(adam, batches);
    const trainer = await DataParallelTrainer.start({ workers: 2, replica: linearReplicaSpec(adam) });
    try {
      expect(trainer.backend).toBe('wasm');
      expect(trainer.shapes).toEqual([[6, 3], [3], [3]]);
      await train(trainer, batches);
      expect(trainer.stepCount).toBe(3);
      const weights = await trainer.weights();
      expected.forEach((values, i) => expect(relativeError(weights[i], values)).toBeLessThanOrEqual(1e-5));
      expect(Array.from(weights[2])).toEqual([1, 1, 1]);
      const checksums = await trainer.checksum();
      expect(checksums[0]).toMatch(/^[0-9a-f]{8}$/);
      expect(checksums[1]).toBe(checksums[0]);
      await trainer.verifyReplicas();
      const predictions = await trainer.predict(splitBatch(batch(5, 'predict'), 2), {});
      expect(predictions.map((p) => p.y.shape)).toEqual([[3, 3], [2, 3]]);
      // lastMetrics() of the shards, weighted by their sizes: the mean over the whole batch.
      const probe = batch(5, 'metrics');
      const summary = await trainer.computeGradients(splitBatch(probe, 2), {});
      const y = Array.from(probe.y.values);
      expect(summary.examples).toBe(5);
      expect(summary.metrics.meanTarget).toBeCloseTo(y.reduce((a, b) => a + b, 0) / y.length, 6);
    } finally {
      await trainer.stop();
    }
  });

  it('resumes exactly: 6 steps in one go equal 3 steps, getState, a new trainer, setState, 3 steps', async () => {
    const batches = Array.from({ length: 6 }, (_, i) => batch(5 + (i % 3), `resume/${i}`));
    const first = await DataParallelTrainer.start({ workers: 2, replica: linearReplicaSpec(adam) });
    let straight: Float32Array[];
    let state;
    try {
      await train(first, batches.slice(0, 3));
      state = await first.getState();
      await train(first, batches.slice(3), 4);
      straight = await first.weights();
    } finally {
      await first.stop();
    }
    expect(state.stepCount).toBe(3);
    expect(state.replicas).toHaveLength(2);
    const second = await DataParallelTrainer.start({ workers: 2, replica: linearReplicaSpec(adam) });
    try {
      await second.setState(state);
      expect(second.stepCount).toBe(3);
      await train(second, batches.slice(3), 4);
      const resumed = await second.weights();
      straight.forEach((values, i) => expect(relativeError(resumed[i], values)).toBeLessThanOrEqual(1e-6));
      expect(second.stepCount).toBe(6);
    } finally {
      await second.stop();
    }
  });

  it('trains on the cpu backend with two workers (its arrays are copied before transfer)', async () => {
    const sgd: LinearReplicaOptions = { inputs: 6, outputs: 3, seed: 'cpu', optimizer: 'sgd' };
    const batches = [batch(5, 'cpu-1'), batch(4, 'cpu-2'), batch(7, 'cpu-3')];
    await tf.setBackend('cpu');
    const expected = await inProcessWeights(sgd, batches);
    await tf.setBackend('wasm');
    const trainer = await DataParallelTrainer.start({ workers: 2, backend: 'cpu', replica: linearReplicaSpec(sgd) });
    try {
      expect(trainer.backend).toBe('cpu');
      await train(trainer, batches);
      const weights = await trainer.weights();
      expect(weights.every((w) => w.every(Number.isFinite))).toBe(true);
      expected.forEach((values, i) => expect(relativeError(weights[i], values)).toBeLessThanOrEqual(1e-5));
      await trainer.verifyReplicas();
    } finally {
      await trainer.stop();
    }
  });

  it('transfers shards on request (detached afterwards) with the same result as copying them, collecting garbage every update', async () => {
    const batches = [batch(5, 'transfer-1'), batch(6, 'transfer-2')];
    const expected = await inProcessWeights(adam, batches);
    await expect(DataParallelTrainer.start({ workers: 1, replica: linearReplicaSpec(adam), collectGarbageEvery: -1 })).rejects.toThrow(/collectGarbageEvery/);
    const trainer = await DataParallelTrainer.start({ workers: 2, replica: linearReplicaSpec(adam), collectGarbageEvery: 1 });
    try {
      for (let i = 0; i < batches.length; i++) {
        const shards = splitBatch(batches[i], trainer.workers);
        await trainer.computeGradients(shards, {}, { transfer: true });
        expect(shards.every((shard) => Object.values(shard).every((p) => p.values.byteLength === 0))).toBe(true);
        await trainer.applyGradients({ learningRate: rate(i + 1) });
      }
      expect(batches[0].x.values.byteLength).toBeGreaterThan(0); // splitBatch's copies went, the batch stayed
      const weights = await trainer.weights();
      expected.forEach((values, i) => expect(relativeError(weights[i], values)).toBeLessThanOrEqual(1e-5));
    } finally {
      await trainer.stop();
    }
  });

  it('reports a replica module that cannot be loaded, naming it', async () => {
    await expect(DataParallelTrainer.start({ workers: 1, replica: { module: path.join(__dirname, 'no-such-replica.ts') } })).rejects.toThrow(/data-parallel worker 0: .*no-such-replica/);
  });
});
