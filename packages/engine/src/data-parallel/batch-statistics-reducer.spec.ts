import { Rng } from '@a2d/core';
import { runInLockStep, startReducerWorker, type PlannedReduction, type PlannedStep } from '../testing/batch-statistics-worker';
import { createBatchStatisticsMemory, maxSynchronizedChannels, SharedBatchStatisticsReducer, type SharedReducerOptions } from './batch-statistics-reducer';

/** Rows x channels of seeded values (mean 3, so the moments are not trivially near 0). */
function values(rows: number, channels: number, seed: string): Float64Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: rows }, () => Float64Array.from({ length: channels }, () => 3 + 2 * rng.normal()));
}

/** Per-channel mean and biased variance of `data` (two passes, float64). */
function moments(data: Float64Array[]): { mean: number[]; variance: number[] } {
  const channels = data[0].length;
  const mean = Array.from({ length: channels }, (_, c) => data.reduce((s, row) => s + row[c], 0) / data.length);
  const variance = mean.map((m, c) => data.reduce((s, row) => s + (row[c] - m) ** 2, 0) / data.length);
  return { mean, variance };
}

function momentsReduction(data: Float64Array[]): PlannedReduction {
  const { mean, variance } = moments(data);
  return { kind: 'moments', count: data.length, first: mean, second: variance };
}

function sumsReduction(count: number, channels: number, seed: string): PlannedReduction {
  const [first, second] = values(2, channels, seed).map((row) => Array.from(row));
  return { kind: 'sums', count, first, second };
}

function reducerOptions(memory: SharedArrayBuffer, replica: number, timeoutMs: number): SharedReducerOptions {
  return { memory, replica, replicas: 2, timeoutMs };
}

function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  return worst;
}

describe('SharedBatchStatisticsReducer', () => {
  it('gives two worker threads with different shards bit-identical whole-batch moments and sums, step after step', async () => {
    const memory = createBatchStatisticsMemory(2);
    // Replica 0 holds 5 rows, replica 1 holds 3; a narrow layer, then the widest allowed one.
    const shards = [
      [values(5, 7, 'reducer/a0'), values(3, 7, 'reducer/a1')],
      [values(5, maxSynchronizedChannels, 'reducer/b0'), values(3, maxSynchronizedChannels, 'reducer/b1')],
    ];
    const plan = (replica: number): PlannedStep[] =>
      [1, 2].map((update) => ({
        replicas: 2,
        update,
        batch: update,
        reductions: [momentsReduction(shards[0][replica]), sumsReduction(replica === 0 ? 5 : 3, 7, `reducer/sums${replica}/${update}`), momentsReduction(shards[1][replica])],
      }));
    const workers = [0, 1].map((replica) => startReducerWorker({ reducer: reducerOptions(memory, replica, 20_000), steps: plan(replica) }));
    const [first, second] = await runInLockStep(workers, 2);
    for (const [i, step] of first.entries()) {
      expect(step.error).toBeUndefined();
      expect(second[i].error).toBeUndefined();
      step.results.forEach((result, k) => {
        // Bit-identical in both replicas: the same slots combined in the same order.
        expect(Array.from(second[i].results[k].first)).toEqual(Array.from(result.first));
        expect(Array.from(second[i].results[k].second)).toEqual(Array.from(result.second));
        expect(result.count).toBe(8);
      });
      const [narrow, sums, wide] = step.results;
      const wholeNarrow = moments([...shards[0][0], ...shards[0][1]]);
      expect(maxRelativeError(narrow.first, wholeNarrow.mean)).toBeLessThan(1e-12);
      expect(maxRelativeError(narrow.second, wholeNarrow.variance)).toBeLessThan(1e-12);
      const wholeWide = moments([...shards[1][0], ...shards[1][1]]);
      expect(maxRelativeError(wide.first, wholeWide.mean)).toBeLessThan(1e-12);
      expect(maxRelativeError(wide.second, wholeWide.variance)).toBeLessThan(1e-12);
      const planned = [plan(0)[i].reductions[1], plan(1)[i].reductions[1]];
      expect(maxRelativeError(sums.first, planned[0].first.map((v, c) => v + planned[1].first[c]))).toBeLessThan(1e-12);
      expect(maxRelativeError(sums.second, planned[0].second.map((v, c) => v + planned[1].second[c]))).toBeLessThan(1e-12);
    }
  });

  it('fails the wait for a replica that never arrives after the timeout, naming the update, the reduction and the replica', async () => {
    const memory = createBatchStatisticsMemory(2);
    const started = Date.now();
    const lone = startReducerWorker({ reducer: reducerOptions(memory, 0, 300), steps: [{ replicas: 2, update: 3, batch: 5, reductions: [momentsReduction(values(4, 7, 'lone'))] }] });
    const result = await lone.runStep(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.error).toEqual({
      name: 'BatchStatisticsSyncError',
      message: 'synchronised batch norm, update 3, replica 0: replica 1 did not reach reduction 1 (forward, 7 channels) within 300 ms',
    });
  });

  it.each([0, 1])('releases the other replica at once when one fails after %i reductions, and the next step runs normally', async (failAfter) => {
    const memory = createBatchStatisticsMemory(2);
    const reductions = (replica: number): PlannedReduction[] => [momentsReduction(values(4, 5, `fail/${replica}/1`)), momentsReduction(values(4, 5, `fail/${replica}/2`))];
    const steps = (replica: number): PlannedStep[] => [
      { replicas: 2, update: 7, batch: 1, reductions: reductions(replica), failAfter: replica === 1 ? failAfter : undefined },
      { replicas: 2, update: 7, batch: 2, reductions: reductions(replica) },
    ];
    const started = Date.now();
    // A long timeout: only the failure may end replica 0's wait in time.
    const workers = [0, 1].map((replica) => startReducerWorker({ reducer: reducerOptions(memory, replica, 60_000), steps: steps(replica) }));
    const [zero, one] = await runInLockStep(workers, 2);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(one[0].error?.message).toBe(`planned failure after ${failAfter} reductions`);
    expect(zero[0].error?.message).toBe(`synchronised batch norm, update 7, replica 0: replica 1 failed (after ${failAfter} reductions); this one stops waiting for it`);
    // The next step (a micro-batch of the same update) starts clean.
    expect(zero[1].error).toBeUndefined();
    expect(one[1].error).toBeUndefined();
    expect(Array.from(zero[1].results[1].second)).toEqual(Array.from(one[1].results[1].second));
  });

  it('refuses a layer wider than the slots, and a worker blocked in a wait ends when terminated', async () => {
    const memory = createBatchStatisticsMemory(2);
    const wide = sumsReduction(1, maxSynchronizedChannels + 1, 'too-wide');
    const workers = [0, 1].map((replica) => startReducerWorker({ reducer: reducerOptions(memory, replica, 60_000), steps: [{ replicas: 2, update: 1, batch: 1, reductions: [wide] }] }));
    for (const result of await runInLockStep(workers, 1)) {
      expect(result[0].error?.message).toMatch(/update 1, replica [01]: reduction 1 \(backward, 4097 channels\): a batch-norm layer with 4097 channels; synchronised batch statistics hold at most 4096/);
    }
    const waiting = startReducerWorker({ reducer: reducerOptions(createBatchStatisticsMemory(2), 0, 60_000), steps: [{ replicas: 2, update: 1, batch: 1, reductions: [momentsReduction(values(2, 3, 'wait'))] }] });
    waiting.runStep(0).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // started (tsx) and blocked in Atomics.wait
    const started = Date.now();
    await waiting.worker.terminate();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('checks its options and refuses reductions outside a step of several replicas', () => {
    const memory = createBatchStatisticsMemory(2);
    expect(() => new SharedBatchStatisticsReducer({ memory, replica: 2, replicas: 2, timeoutMs: 1 })).toThrow(/replica must be in 0..1, got 2/);
    expect(() => new SharedBatchStatisticsReducer({ memory: createBatchStatisticsMemory(3), replica: 0, replicas: 2, timeoutMs: 1 })).toThrow(/2 replicas need/);
    const reducer = new SharedBatchStatisticsReducer({ memory, replica: 1, replicas: 2, timeoutMs: 1 });
    expect(() => reducer.beginStep(1, 1, 1)).toThrow(/replica 1: cannot take part in a step of 1 replicas/);
    expect(() => reducer.beginStep(2, 1, 0)).toThrow(/batch must be a positive 32-bit integer, got 0/);
    reducer.beginStep(2, 1, 1);
    expect(reducer.stepReplicas).toBe(2);
    reducer.endStep(true);
    expect(reducer.stepReplicas).toBe(0);
    expect(() => reducer.reduceSums(1, [1], [1])).toThrow(/outside a step/);
  });
});
