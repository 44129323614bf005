import type { ValidationEvent } from '../loop/training-callback';
import { EarlyStopping } from './early-stopping';
import { contextOf, recordOf } from '../testing/training-context';

const validation = (epoch: number, epochsWithoutImprovement: number, isLast = false): ValidationEvent => ({
  epoch,
  validated: true,
  isLast,
  val: null,
  valEma: null,
  improved: epochsWithoutImprovement === 0,
  epochsWithoutImprovement,
  evaluate: async () => null,
});

describe('EarlyStopping', () => {
  it('finishes the run once `patience` epochs in a row brought no improvement, never on the last epoch, never with patience 0', () => {
    const lines: string[] = [];
    const stopping = new EarlyStopping({ patience: 2, minDelta: 0.5, log: (line) => lines.push(line) });
    const context = contextOf();
    stopping.onValidationEnd(context, validation(3, 1));
    expect(context.calls).toEqual([]);
    stopping.onValidationEnd(context, validation(4, 2));
    expect(context.calls).toEqual(['finish: early stopping: no val combined accuracy gain > 0.5 for 2 epochs']);
    const last = contextOf();
    stopping.onValidationEnd(last, validation(5, 7, true));
    expect(last.calls).toEqual([]);
    const off = contextOf();
    new EarlyStopping({ patience: 0, minDelta: 0, log: () => undefined }).onValidationEnd(off, validation(9, 9));
    expect(off.calls).toEqual([]);
  });

  it('says so after the epoch that stopped the run, and only then', () => {
    const lines: string[] = [];
    const stopping = new EarlyStopping({ patience: 1, minDelta: 0, log: (line) => lines.push(line) });
    stopping.onEpochEnd(contextOf({ stopReason: null }), { record: recordOf(1, 10), improved: true });
    stopping.onValidationEnd(contextOf(), validation(1, 1));
    stopping.onEpochEnd(contextOf({ stopReason: stopping.reason, finished: true }), { record: recordOf(2, 10), improved: false });
    expect(lines).toEqual(['early stopping: no val combined accuracy gain > 0 for 1 epochs']);
  });
});
