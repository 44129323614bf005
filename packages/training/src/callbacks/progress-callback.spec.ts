import type { TrainingProgress } from '../loop/training-progress';
import { epochSummaryLine, ProgressCallback } from './progress-callback';
import { contextOf, recordOf } from '../testing/training-context';

describe('ProgressCallback', () => {
  it('drives the bar and ends each epoch with its summary line', () => {
    const calls: string[] = [];
    const progress: TrainingProgress = {
      startEpoch: (epoch, total) => void calls.push(`start ${epoch}/${total}`),
      update: (done, values) => void calls.push(`update ${done} ${values.loss} ${values.acc} ${values.clipsPerSecond}`),
      endEpoch: (summary) => void calls.push(`end ${summary}`),
      log: () => undefined,
      warn: () => undefined,
      stop: () => void calls.push('stop'),
    };
    const callback = new ProgressCallback({ progress, log: () => calls.push('log') });
    const context = contextOf({ batchIndex: 4 }, { train: { epochs: 6 } });
    callback.onEpochStart(context, 2);
    callback.onUpdate(context, { epoch: 2, batchIndex: 3, learningRate: 1, applied: true, loss: 1, running: { loss: 1.25, combinedAccuracy: 33, clipsPerSecond: 50 } });
    callback.onEpochEnd(context, { record: recordOf(3, 40), improved: true });
    callback.onRunEnd();
    expect(calls.slice(0, 2)).toEqual(['start 3/10', 'update 4 1.25 33 50']);
    expect(calls[2]).toMatch(/^end epoch 3\/6: train loss 1\.5000 combined 30\.0% \| val loss 1\.2000 action 50\.0% actor 60\.0% combined 40\.0% \(constrained 40\.0%\) \| lr 2\.00e-3 \| 42\.5 clips\/s, data wait 5% \| 12s \| best$/);
    expect(calls[3]).toBe('stop');
  });

  it('prints the summary to the log without a bar, and leaves out what an epoch did not have', () => {
    const lines: string[] = [];
    new ProgressCallback({ log: (line) => lines.push(line) }).onEpochEnd(contextOf({}, { train: { epochs: 2 } }), { record: recordOf(1), improved: false });
    expect(lines).toEqual([epochSummaryLine({ record: recordOf(1), improved: false }, 2)]);
    expect(lines[0]).not.toMatch(/val loss|best|ema/);
  });
});
