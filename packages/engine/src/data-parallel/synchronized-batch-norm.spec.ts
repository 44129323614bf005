import { relativeError, startCpuAndWasm } from '../testing/backend-pair';
import { batchNormBatch, batchNormReplicaSpec } from '../testing/batch-norm-replica';
import { DataParallelTrainer } from './data-parallel-trainer';
import { InProcessTrainer } from './in-process-trainer';
import { splitBatch, type BatchPayload } from './replica';
import type { ReplicaTrainer } from './replica-trainer';

const replica = batchNormReplicaSpec({ seed: 'sync-bn' });
const rate = (step: number) => 0.02 / Math.sqrt(step);

interface Run {
  losses: number[];
  tensors: number[];
  weights: Float32Array[];
  buffers: Record<string, Float32Array>[];
}

/** One Adam update per batch (split over the trainer's workers), then the weights and every replica's buffers. */
async function train(trainer: ReplicaTrainer, batches: BatchPayload[]): Promise<Run> {
  const run: Run = { losses: [], tensors: [], weights: [], buffers: [] };
  for (const [i, b] of batches.entries()) {
    const summary = await trainer.step(splitBatch(b, trainer.workers), { learningRate: rate(i + 1) });
    expect(summary).toMatchObject({ applied: true, finite: true, step: i + 1 });
    run.losses.push(summary.loss);
    run.tensors.push(summary.metrics.tensors);
  }
  run.weights = await trainer.weights();
  const state = await trainer.getState();
  run.buffers = state.replicas.map((r) => Object.fromEntries(['mean1', 'variance1', 'mean2', 'variance2'].map((name) => [name, r.tensors[name].values as Float32Array])));
  return run;
}

async function inProcess(batches: BatchPayload[]): Promise<Run> {
  const trainer = await InProcessTrainer.create({ replica });
  try {
    return await train(trainer, batches);
  } finally {
    await trainer.stop();
  }
}

describe('DataParallelTrainer: synchronised batch norm', () => {
  beforeAll(startCpuAndWasm);

  it('trains the function one replica trains: the same losses to 1e-5 over 5 Adam steps (equal, unequal and single shards), identical running statistics, no leaked tensors', async () => {
    // 6 = 3 + 3, 7 = 4 + 3, 5 = 3 + 2, 1 (worker 0 alone, nothing to synchronise), 6.
    const batches = [6, 7, 5, 1, 6].map((examples, i) => batchNormBatch(examples, `sync-bn/${i}`));
    const single = await inProcess(batches);
    const trainer = await DataParallelTrainer.start({ workers: 2, replica, verifyEvery: 1 });
    let parallel: Run;
    try {
      parallel = await train(trainer, batches);
      const [a, b] = await trainer.checksum();
      expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}$/);
      expect(b).toBe(a); // weights and running statistics
    } finally {
      await trainer.stop();
    }
    const differences = single.losses.map((loss, i) => Math.abs(loss - parallel.losses[i]));
    expect(Math.max(...differences)).toBeLessThanOrEqual(1e-5);
    single.weights.forEach((values, i) => expect(relativeError(parallel.weights[i], values)).toBeLessThanOrEqual(1e-5));
    for (const [name, values] of Object.entries(single.buffers[0])) {
      expect(relativeError(parallel.buffers[0][name], values)).toBeLessThanOrEqual(1e-5);
      expect(Array.from(parallel.buffers[1][name])).toEqual(Array.from(parallel.buffers[0][name]));
    }
    // Tensors alive in each replica's thread after each step: constant once the first update made the optimizer's.
    for (const run of [single, parallel]) expect(new Set(run.tensors.slice(1)).size).toBe(1);
  });

  it('releases the waiting replica at once when the other fails mid-step, and stays usable', async () => {
    const trainer = await DataParallelTrainer.start({ workers: 2, replica, requestTimeoutMs: 120_000, verifyEvery: 0 });
    try {
      const started = Date.now();
      // Shards of 3 and 2: the replica with 2 throws after its first batch norm; the other waits at its second.
      const error = await trainer.computeGradients(splitBatch(batchNormBatch(5, 'fail'), 2), { failOnExamples: 2 }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(error).toBeInstanceOf(AggregateError);
      expect(error?.message).toMatch(/data-parallel worker 0: synchronised batch norm, update 1, replica 0: replica 1 failed \(after 1 reductions\); this one stops waiting for it/);
      expect(error?.message).toMatch(/data-parallel worker 1: batch-norm fixture: failing on request \(a shard of 2\)/);
      expect(await trainer.step(splitBatch(batchNormBatch(5, 'after'), 2), { learningRate: 0.01 })).toMatchObject({ applied: true, step: 1, finite: true });
      await trainer.verifyReplicas();
    } finally {
      await trainer.stop();
    }
  });
});
