/**
 * Issue 22, item 4: the worker count must not change the model. The classifier replica (a tiny two-step model whose
 * backbone is conv-bn-relu stages) trained on the same batches by one replica in this thread and by two worker
 * replicas must give the same losses, step after step: the workers' batch norm synchronises its statistics.
 */
import { NUM_ACTIONS, NUM_ACTORS, Rng } from '@a2d/core';
import { DataParallelTrainer, InProcessTrainer, initEngine, splitBatch, type BatchPayload, type ReplicaSpec, type ReplicaTrainer } from '@a2d/engine';
import { NUM_PAIRS, PAIR_CLASSES } from '@a2d/layers';
import { countingClassifierReplicaSpec } from '../testing/counting-classifier-replica';
import { tinyConfig } from '../testing/tiny-experiment';
import type { ClassifierReplicaOptions } from './classifier-replica';

const inputSize = 48;
const numFrames = 4;
// No EMA, no dropout (the tiny config has none): nothing random inside the replica, so the runs can be compared.
const config = tinyConfig('/unused', '/unused', { train: { ema: { enabled: false }, optimizer: { lr: 3e-3 } } });
const options: ClassifierReplicaOptions = { config: { model: config.model, loss: config.loss, train: config.train }, inputSize, numFrames, modelSeed: 0 };
const spec: ReplicaSpec = countingClassifierReplicaSpec(options);

/** A seeded batch of random normalised frames and valid (action, actor) labels; every second clip feeds step 2 the prediction. */
function batch(clips: number, seed: string): BatchPayload {
  const rng = new Rng(seed);
  const frames = Float32Array.from({ length: clips * numFrames * inputSize * inputSize * 3 }, () => rng.normal());
  const actionTarget = new Float32Array(clips * NUM_ACTIONS);
  const actorTarget = new Float32Array(clips * NUM_ACTORS);
  const pairTarget = new Float32Array(clips * NUM_PAIRS);
  const trueAction = new Int32Array(clips);
  const trueActor = new Int32Array(clips);
  const feedPrediction = new Int32Array(clips);
  for (let i = 0; i < clips; i++) {
    const pair = Math.floor(rng.next() * NUM_PAIRS);
    const { action, actor } = PAIR_CLASSES[pair];
    actionTarget[i * NUM_ACTIONS + action] = 1;
    actorTarget[i * NUM_ACTORS + actor] = 1;
    pairTarget[i * NUM_PAIRS + pair] = 1;
    trueAction[i] = action;
    trueActor[i] = actor;
    feedPrediction[i] = i % 2;
  }
  return {
    frames: { values: frames, shape: [clips, numFrames, inputSize, inputSize, 3], dtype: 'float32' },
    actionTarget: { values: actionTarget, shape: [clips, NUM_ACTIONS], dtype: 'float32' },
    actorTarget: { values: actorTarget, shape: [clips, NUM_ACTORS], dtype: 'float32' },
    pairTarget: { values: pairTarget, shape: [clips, NUM_PAIRS], dtype: 'float32' },
    trueAction: { values: trueAction, shape: [clips], dtype: 'int32' },
    trueActor: { values: trueActor, shape: [clips], dtype: 'int32' },
    feedPrediction: { values: feedPrediction, shape: [clips], dtype: 'int32' },
  };
}

interface Run {
  losses: number[];
  /** Tensors alive in the replica's thread after each gradients call (the mean over the shards' replicas). */
  tensors: number[];
  /** Every replica's weights (trainable and batch-norm statistics) after the last update. */
  replicas: Float32Array[][];
}

/** One AdamW update per batch, each batch split over the trainer's replicas. */
async function train(trainer: ReplicaTrainer, batches: BatchPayload[]): Promise<Run> {
  const run: Run = { losses: [], tensors: [], replicas: [] };
  for (const [i, b] of batches.entries()) {
    const summary = await trainer.step(splitBatch(b, trainer.workers), { learningRate: 3e-3, context: { progress: i / batches.length } });
    expect(summary).toMatchObject({ applied: true, finite: true, step: i + 1 });
    run.losses.push(summary.loss);
    run.tensors.push(summary.metrics.tensors);
  }
  const state = await trainer.getState();
  run.replicas = state.replicas.map((r) => Object.keys(r.tensors).filter((name) => name.startsWith('weights/')).map((name) => r.tensors[name].values as Float32Array));
  return run;
}

async function runWith(workers: number, batches: BatchPayload[]): Promise<Run> {
  const trainer = workers === 1 ? await InProcessTrainer.create({ replica: spec }) : await DataParallelTrainer.start({ workers, replica: spec, verifyEvery: 1 });
  try {
    return await train(trainer, batches);
  } finally {
    await trainer.stop();
  }
}

function maxDifference(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

/** Largest |a - b| / max(1, |b|) over every weight. */
function maxWeightDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((values, k) => values.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[k][j]) / Math.max(1, Math.abs(b[k][j]))))));
  return worst;
}

/** The checks both specs make: same losses, identical replicas, weights as one replica's, no tensor left behind per step. */
function expectSameTraining(single: Run, parallel: Run): void {
  expect(maxDifference(single.losses, parallel.losses)).toBeLessThanOrEqual(1e-5);
  // Both replicas hold bit-identical weights, batch-norm running statistics included.
  parallel.replicas[1].forEach((values, k) => expect(Array.from(values)).toEqual(Array.from(parallel.replicas[0][k])));
  expect(maxWeightDifference(parallel.replicas[0], single.replicas[0])).toBeLessThanOrEqual(1e-4);
  // The first update makes the optimizer's moments; after it every step leaves the count where it was.
  for (const run of [single, parallel]) expect(new Set(run.tensors.slice(1)).size).toBe(1);
}

describe('synchronized batch norm: one replica or two train the same function', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: () => undefined });
  });

  it('gives the same losses to 1e-5 over 5 AdamW steps (equal shards of 6 clips)', async () => {
    const batches = Array.from({ length: 5 }, (_, i) => batch(6, `sync-bn/equal/${i}`));
    const single = await runWith(1, batches);
    const parallel = await runWith(2, batches);
    expectSameTraining(single, parallel);
  }, 180_000);

  it('gives the same losses with unequal shards and a batch smaller than the worker count', async () => {
    // 7 = 4 + 3, 5 = 3 + 2, 1 (worker 0 alone; worker 1 then takes its running statistics), 6, 4.
    const batches = [7, 5, 1, 6, 4].map((clips, i) => batch(clips, `sync-bn/unequal/${i}`));
    const single = await runWith(1, batches);
    const parallel = await runWith(2, batches);
    expectSameTraining(single, parallel);
  }, 180_000);
});
