import { startCpuAndWasm } from '../testing/backend-pair';
import { linearBatch, linearReplicaSpec, type LinearReplicaOptions } from '../testing/linear-replica';
import { DataParallelTrainer } from './data-parallel-trainer';
import { splitBatch, type BatchPayload } from './replica';
import type { TrainerState } from './replica-trainer';
import { ReplicaDivergenceError, TrainerFailedError, TrainerStoppedError } from './trainer-errors';

const options: LinearReplicaOptions = { inputs: 4, outputs: 2, seed: 'failures', optimizer: 'adam', runningMean: true };
const replica = linearReplicaSpec(options);
const batch = (examples: number, seed: string) => linearBatch(examples, seed, 4, 2);
const shards = (examples: number, seed: string) => splitBatch(batch(examples, seed), 2);

/** Rejects within `ms` (a call on a failed trainer must not wait for anything). */
async function rejectsQuickly(call: Promise<unknown>, ms = 1000): Promise<Error> {
  const started = Date.now();
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(Error);
  expect(Date.now() - started).toBeLessThan(ms);
  return error as Error;
}

describe('DataParallelTrainer: errors that leave it usable', () => {
  let trainer: DataParallelTrainer;
  let initial: TrainerState;

  beforeAll(async () => {
    await startCpuAndWasm();
    trainer = await DataParallelTrainer.start({ workers: 2, replica, verifyEvery: 0 });
    initial = await trainer.getState();
  });
  afterAll(() => trainer.stop());
  beforeEach(() => trainer.setState(initial));

  it('waits for both shards when both fail, reports both errors with their worker, and stays usable', async () => {
    const wrongWidth: BatchPayload = { ...batch(4, 'wide'), x: linearBatch(4, 'wide', 5, 2).x };
    const error = await trainer.computeGradients(splitBatch(wrongWidth, 2), {}).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(AggregateError);
    expect(error?.message).toMatch(/computeGradients: 2 replicas failed: data-parallel worker 0: .+; data-parallel worker 1: .+/);
    expect((error as AggregateError).errors.map((e: { worker: number }) => e.worker)).toEqual([0, 1]);
    await expect(trainer.applyGradients({ learningRate: 0.1 })).rejects.toThrow(/no gradients accumulated/);
    expect(await trainer.step(shards(5, 'after-error'), { learningRate: 0.1 })).toMatchObject({ applied: true, step: 1, finite: true });
    await trainer.verifyReplicas();
  });

  it('detects a NaN in one shard and applies nothing (replicas unchanged)', async () => {
    const before = await trainer.checksum();
    const poisoned = shards(6, 'nan');
    poisoned[1].x.values[2] = NaN;
    const summary = await trainer.computeGradients(poisoned, {});
    expect(summary).toMatchObject({ finite: false, nonFiniteShards: [1], examples: 6 });
    // The clean shard of a later micro-batch does not wash the NaN out of the accumulated gradient.
    expect(await trainer.computeGradients(shards(4, 'clean'), {})).toMatchObject({ finite: true, nonFiniteShards: [] });
    const applied = await trainer.applyGradients({ learningRate: 0.1 });
    expect(applied).toMatchObject({ applied: false, clipped: false, step: 0 });
    expect(trainer.stepCount).toBe(0);
    // Buffers (the running mean) move with every loss call; the variables and optimizer state must not.
    expect((await trainer.checksum()).map((c) => c.split('-')[0])).toEqual(before.map((c) => c.split('-')[0]));
    const state = await trainer.getState();
    expect(state.replicas[0].tensors['m/weight'].values.every((v) => v === 0)).toBe(true);
    expect(await trainer.step(shards(4, 'clean'), { learningRate: 0.1 })).toMatchObject({ applied: true, step: 1 });
  });

  it('verifyReplicas names the replica that differs from worker 0', async () => {
    await trainer.verifyReplicas();
    await trainer.predict([batch(1, 'perturb')], { perturb: 0.25 }); // worker 0 only
    const error = await trainer.verifyReplicas().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(ReplicaDivergenceError);
    expect((error as ReplicaDivergenceError).workers).toEqual([1]);
    expect(error?.message).toMatch(/replicas diverged: worker 1 differs from worker 0/);
    await trainer.setState(initial);
    await trainer.verifyReplicas();
  });

  it('averageBuffers gives every replica the mean of their buffers; verifyReplicas ignores buffers', async () => {
    await trainer.step(shards(7, 'buffers'), { learningRate: 0.1 });
    const [a, b] = await trainer.checksum();
    expect(a.split('-')[0]).toBe(b.split('-')[0]);
    expect(a.split('-')[1]).not.toBe(b.split('-')[1]);
    await trainer.verifyReplicas();
    const before = (await trainer.getState()).replicas.map((r) => r.tensors.runningMean.values);
    await trainer.averageBuffers();
    const after = (await trainer.getState()).replicas.map((r) => r.tensors.runningMean.values);
    expect(Array.from(after[1])).toEqual(Array.from(after[0]));
    after[0].forEach((v, j) => expect(v).toBeCloseTo((before[0][j] + before[1][j]) / 2, 6));
    const [c, d] = await trainer.checksum();
    expect(c).toBe(d);
  });

  it('refuses a state of another worker count, and malformed weights, without failing', async () => {
    await expect(trainer.setState({ stepCount: 1, replicas: [initial.replicas[0]] })).rejects.toThrow(
      /DataParallelTrainer.setState: the state holds 1 replica, this trainer has 2 workers; resume with the same number of workers/,
    );
    await expect(trainer.setWeights([new Float32Array(3)])).rejects.toThrow(/setWeights: got 1 arrays for 2 variables/);
    await expect(trainer.step([], { learningRate: 0.1 })).rejects.toThrow(/expected 1..2 shards, got 0/);
    expect((await trainer.step(shards(3, 'still-usable'), { learningRate: 0.1 })).applied).toBe(true);
  });
  // Last: it stops the shared trainer.
  it('rejects calls in flight and later with "stopped"; stop is idempotent', async () => {
    const inFlight = trainer.step(shards(4, 'busy'), { learningRate: 0.1, context: { busyMs: 3000 } });
    const queued = trainer.weights();
    inFlight.catch(() => undefined); // handled below, after stop
    queued.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await trainer.stop();
    await expect(inFlight).rejects.toThrow(TrainerStoppedError);
    await expect(queued).rejects.toThrow(/DataParallelTrainer: stopped/);
    await expect(trainer.step(shards(4, 'after'), { learningRate: 0.1 })).rejects.toThrow(/DataParallelTrainer: stopped/);
    await trainer.stop();
    expect(Date.now() - started).toBeLessThan(2500);
  });
});

describe('DataParallelTrainer: failures that end it', () => {
  beforeAll(startCpuAndWasm);

  it('a worker that exits fails the trainer: every later call rejects at once naming the worker and its exit code', async () => {
    const trainer = await DataParallelTrainer.start({ workers: 2, replica });
    try {
      const dying = await rejectsQuickly(trainer.computeGradients(shards(2, 'exit').slice(0, 1), { exitCode: 7 }), 5000);
      expect(dying).toBeInstanceOf(TrainerFailedError);
      expect(dying.message).toMatch(/data-parallel worker 0 exited with code 7/);
      for (const call of [trainer.step(shards(4, 'later'), { learningRate: 0.1 }), trainer.weights(), trainer.getState()]) {
        const error = await rejectsQuickly(call);
        expect(error.message).toMatch(/DataParallelTrainer failed: data-parallel worker 0 exited with code 7; .*resume from the last checkpoint/);
      }
    } finally {
      await trainer.stop();
    }
  });

  it('an update that fails in one worker fails the trainer (the replicas may differ)', async () => {
    const trainer = await DataParallelTrainer.start({ workers: 2, replica });
    try {
      await trainer.predict([batch(1, 'arm')], { failNextApply: true }); // worker 0 only
      const error = await rejectsQuickly(trainer.step(shards(4, 'apply'), { learningRate: 0.1 }), 5000);
      expect(error).toBeInstanceOf(TrainerFailedError);
      expect(error.message).toMatch(/applyGradients failed in 1 of 2 replicas \(data-parallel worker 0: linear fixture: applyGradients failed on request\)/);
      const later = await rejectsQuickly(trainer.weights());
      expect(later.message).toMatch(/the replicas may differ: start a new trainer and resume from the last checkpoint/);
    } finally {
      await trainer.stop();
    }
  });

  it('a request without a reply within requestTimeoutMs fails the trainer and terminates the workers', async () => {
    const trainer = await DataParallelTrainer.start({ workers: 2, replica, requestTimeoutMs: 1000 });
    try {
      const started = Date.now();
      const error = await rejectsQuickly(trainer.step(shards(4, 'slow'), { learningRate: 0.1, context: { busyMs: 10000 } }), 5000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(error.message).toMatch(/DataParallelTrainer failed: data-parallel worker \d gave no reply to 'gradients' within 1000 ms/);
      await rejectsQuickly(trainer.checksum());
    } finally {
      await trainer.stop();
    }
  });

  it('with verifyEvery, a divergence found after an update fails the trainer', async () => {
    const trainer = await DataParallelTrainer.start({ workers: 2, replica, verifyEvery: 2 });
    try {
      await trainer.step(shards(4, 'one'), { learningRate: 0.1 });
      await trainer.predict([batch(1, 'perturb')], { perturb: 0.5 }); // worker 0 only
      const error = await rejectsQuickly(trainer.step(shards(4, 'two'), { learningRate: 0.1 }), 5000);
      expect(error).toBeInstanceOf(TrainerFailedError);
      expect((error as TrainerFailedError).cause).toBeInstanceOf(ReplicaDivergenceError);
      expect(error.message).toMatch(/replicas diverged: worker 1 differs from worker 0/);
    } finally {
      await trainer.stop();
    }
  });
});
