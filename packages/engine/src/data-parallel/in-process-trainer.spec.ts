import { tf } from '../index';
import { relativeError, startCpuAndWasm } from '../testing/backend-pair';
import { createReplica, linearBatch, linearReplicaSpec, type LinearReplicaOptions } from '../testing/linear-replica';
import { InProcessTrainer } from './in-process-trainer';
import type { BatchPayload } from './replica';
import { TrainerFailedError, TrainerStoppedError } from './trainer-errors';

const adam: LinearReplicaOptions = { inputs: 6, outputs: 3, seed: 'in-process', optimizer: 'adam', unusedVariable: true };
const sgd: LinearReplicaOptions = { inputs: 6, outputs: 3, seed: 'in-process', optimizer: 'sgd' };
const batches = Array.from({ length: 6 }, (_, i) => linearBatch(5 + i, `in-process/${i}`, 6, 3));
/** A decaying schedule: the rate must reach the replica with each update. */
const rate = (step: number) => 0.05 / step;

function concat(a: BatchPayload, b: BatchPayload): BatchPayload {
  const join = (name: string) => {
    const values = new Float32Array(a[name].values.length + b[name].values.length);
    values.set(a[name].values);
    values.set(b[name].values, a[name].values.length);
    return { values, shape: [a[name].shape[0] + b[name].shape[0], ...a[name].shape.slice(1)], dtype: 'float32' as const };
  };
  return { x: join('x'), y: join('y') };
}

async function withTrainer<T>(options: LinearReplicaOptions, use: (trainer: InProcessTrainer) => Promise<T>): Promise<T> {
  const trainer = await InProcessTrainer.create({ replica: linearReplicaSpec(options) });
  try {
    return await use(trainer);
  } finally {
    await trainer.stop();
  }
}

describe('InProcessTrainer', () => {
  beforeAll(startCpuAndWasm);

  it('reproduces a hand-written loop bit for bit (per-step learning rate and step number, zeros for a variable without gradient)', async () => {
    const replica = createReplica(adam);
    for (let step = 1; step <= 3; step++) {
      const b = batches[step - 1];
      tf.tidy(() => {
        const inputs = { x: tf.tensor(b.x.values, b.x.shape), y: tf.tensor(b.y.values, b.y.shape) };
        const { grads } = tf.variableGrads(() => replica.loss(inputs, {}), replica.variables);
        replica.applyGradients(replica.variables.map((v) => grads[v.name] ?? tf.zerosLike(v)), rate(step), step);
      });
    }
    const expected = replica.variables.map((v) => Float32Array.from(v.dataSync()));
    replica.dispose?.();

    await withTrainer(adam, async (trainer) => {
      expect(trainer.workers).toBe(1);
      expect(trainer.backend).toBe('wasm');
      expect(trainer.shapes).toEqual([[6, 3], [3], [3]]);
      for (let step = 1; step <= 3; step++) {
        const summary = await trainer.step([batches[step - 1]], { learningRate: rate(step) });
        expect(summary).toMatchObject({ applied: true, step, finite: true, nonFiniteShards: [], examples: batches[step - 1].x.shape[0] });
      }
      expect(trainer.stepCount).toBe(3);
      const weights = await trainer.weights();
      expected.forEach((values, i) => expect(Array.from(weights[i])).toEqual(Array.from(values)));
      expect(Array.from(weights[2])).toEqual([1, 1, 1]);
    });
  });

  it('accumulates micro-batches weighted by their sizes: two computeGradients + one apply equal one step on their union', async () => {
    const union = await withTrainer(sgd, async (trainer) => {
      await trainer.step([concat(batches[0], batches[1])], { learningRate: 0.1 });
      return trainer.weights();
    });
    await withTrainer(sgd, async (trainer) => {
      const first = await trainer.computeGradients([batches[0]], {});
      const second = await trainer.computeGradients([batches[1]], {});
      expect([first.examples, second.examples]).toEqual([5, 6]);
      expect(trainer.stepCount).toBe(0);
      await expect(trainer.getState()).rejects.toThrow(/gradients of 11 examples are accumulated but not applied/);
      expect(await trainer.applyGradients({ learningRate: 0.1 })).toMatchObject({ applied: true, clipped: false, step: 1 });
      const weights = await trainer.weights();
      union.forEach((values, i) => expect(relativeError(weights[i], values)).toBeLessThanOrEqual(1e-6));
      await expect(trainer.applyGradients({ learningRate: 0.1 })).rejects.toThrow(/no gradients accumulated/);
    });
  });

  it('clips the averaged gradient to a global L2 norm', async () => {
    await withTrainer(sgd, async (trainer) => {
      const before = await trainer.weights();
      const summary = await trainer.step([batches[0]], { learningRate: 0.1, clipNorm: 0.5 });
      expect(summary.clipped).toBe(true);
      expect(summary.gradNorm).toBeGreaterThan(0.5);
      const after = await trainer.weights();
      let squares = 0;
      after.forEach((values, i) => values.forEach((v, j) => (squares += ((before[i][j] - v) / 0.1) ** 2)));
      expect(Math.sqrt(squares)).toBeCloseTo(0.5, 4);
      const unclipped = await trainer.step([batches[1]], { learningRate: 0.1, clipNorm: 1e6 });
      expect(unclipped.clipped).toBe(false);
    });
  });

  it('resumes exactly from getState (Adam moments and step count), unlike from the weights alone', async () => {
    const straight = await withTrainer(adam, async (trainer) => {
      for (let step = 1; step <= 6; step++) await trainer.step([batches[step - 1]], { learningRate: rate(step) });
      return trainer.weights();
    });
    const { state, weights } = await withTrainer(adam, async (trainer) => {
      for (let step = 1; step <= 3; step++) await trainer.step([batches[step - 1]], { learningRate: rate(step) });
      return { state: await trainer.getState(), weights: await trainer.weights() };
    });
    expect(state.stepCount).toBe(3);
    const resumed = await withTrainer(adam, async (trainer) => {
      await trainer.setState(state);
      expect(trainer.stepCount).toBe(3);
      for (let step = 4; step <= 6; step++) expect((await trainer.step([batches[step - 1]], { learningRate: rate(step) })).step).toBe(step);
      return trainer.weights();
    });
    straight.forEach((values, i) => expect(relativeError(resumed[i], values)).toBeLessThanOrEqual(1e-6));
    const fromWeights = await withTrainer(adam, async (trainer) => {
      await trainer.setWeights(weights);
      for (let step = 4; step <= 6; step++) await trainer.step([batches[step - 1]], { learningRate: rate(step) });
      return trainer.weights();
    });
    expect(relativeError(fromWeights[0], straight[0])).toBeGreaterThan(1e-3);
  });

  it('fails for good when an update throws, and rejects every call once stopped; frees its tensors', async () => {
    const tensors = tf.memory().numTensors;
    const trainer = await InProcessTrainer.create({ replica: linearReplicaSpec(sgd) });
    await trainer.predict([batches[0]], { failNextApply: true });
    const failed = trainer.step([batches[0]], { learningRate: 0.1 });
    await expect(failed).rejects.toThrow(TrainerFailedError);
    await expect(failed).rejects.toThrow(/in-process replica: linear fixture: applyGradients failed on request.*the replicas may differ: start a new trainer and resume from the last checkpoint/);
    await expect(trainer.weights()).rejects.toThrow(/InProcessTrainer failed: applyGradients failed/);
    await trainer.stop();
    await trainer.stop();
    await expect(trainer.weights()).rejects.toThrow(TrainerStoppedError);
    await expect(trainer.step([batches[0]], { learningRate: 0.1 })).rejects.toThrow(/InProcessTrainer: stopped/);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
