import type { ScalarSink } from '../tensorboard/scalar-sink';
import { TensorBoardCallback } from './tensorboard-callback';
import { contextOf, recordOf } from '../testing/training-context';

function recordingSink(): ScalarSink & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    addScalar: (tag, value, step) => void events.push(`${tag}@${step}=${value}`),
    addSessionStart: (step) => void events.push(`START@${step}`),
    flush: () => void events.push('flush'),
    close: () => void events.push('close'),
  };
}

describe('TensorBoardCallback', () => {
  it('starts each session at the first step it will log (twice), the pending epoch end at its own step', () => {
    const fresh = recordingSink();
    new TensorBoardCallback(fresh).onRunStart(contextOf({ globalStep: 40 }));
    expect(fresh.events).toEqual(['START@41', 'START@41']);
    const pending = recordingSink();
    new TensorBoardCallback(pending).onRunStart(contextOf({ globalStep: 40, epochEndPending: true }));
    expect(pending.events).toEqual(['START@40', 'START@40']);
  });

  it('logs the step loss of applied updates only, and the epoch scalars that have a value, then flushes', () => {
    const sink = recordingSink();
    const callback = new TensorBoardCallback(sink);
    const update = { epoch: 0, batchIndex: 3, learningRate: 1e-3, loss: 2.5, running: { loss: 2, combinedAccuracy: 10, clipsPerSecond: 30 } };
    callback.onUpdate(contextOf({ globalStep: 7 }), { ...update, applied: true });
    callback.onUpdate(contextOf({ globalStep: 7 }), { ...update, applied: false });
    expect(sink.events).toEqual(['train/step_loss@7=2.5']);
    callback.onEpochEnd(contextOf({ globalStep: 20 }), { record: recordOf(2, 40), improved: true });
    expect(sink.events).toContain('loss/train_total@20=1.5');
    expect(sink.events).toContain('accuracy/val_combined@20=40');
    expect(sink.events).toContain('learning_rate@20=0.002');
    expect(sink.events.some((e) => e.startsWith('loss/train_consistency'))).toBe(false); // null: not logged
    expect(sink.events.some((e) => e.startsWith('accuracy/val_ema'))).toBe(false);
    expect(sink.events[sink.events.length - 1]).toBe('flush');
  });
});
