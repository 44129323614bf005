import { EVENT_FILE_VERSION, SessionStatus, type TensorBoardEvent } from './event-proto';
import { tensorBoardScalars, type TensorBoardLoader } from './tensorboard-scalars';

const header = (fileVersion = EVENT_FILE_VERSION): TensorBoardEvent => ({ wallTime: 0, step: 0, fileVersion });
const start = (step: number): TensorBoardEvent => ({ wallTime: 0, step, sessionLog: { status: SessionStatus.START } });
const scalars = (step: number, values: Record<string, number>): TensorBoardEvent => ({
  wallTime: step,
  step,
  summary: { value: Object.entries(values).map(([tag, simpleValue]) => ({ tag, simpleValue })) },
});
const steps = (events: TensorBoardEvent[], loader?: TensorBoardLoader) =>
  Object.fromEntries([...tensorBoardScalars(events, { loader })].map(([tag, points]) => [tag, points.map((point) => point.step)]));

describe('tensorBoardScalars', () => {
  it('keeps every point, in load order, with its wall time and value, when nothing restarts', () => {
    const view = tensorBoardScalars([header(), start(0), scalars(1, { loss: 0.5, acc: 0 }), scalars(2, { loss: 0.25 })]);
    expect(view).toEqual(
      new Map([
        ['loss', [{ step: 1, value: 0.5, wallTime: 1 }, { step: 2, value: 0.25, wallTime: 2 }]],
        ['acc', [{ step: 1, value: 0, wallTime: 1 }]],
      ]),
    );
  });

  it('python: a later START at S drops the points at steps >= S of every tag, even tags not logged again', () => {
    const events = [header(), start(0), scalars(1, { loss: 1, val: 1 }), scalars(2, { loss: 2 }), scalars(3, { loss: 3, val: 3 })];
    events.push(start(2), scalars(2, { loss: 20 }));
    expect(steps(events)).toEqual({ loss: [1, 2], val: [1] });
    expect(tensorBoardScalars(events).get('loss')?.map((point) => point.value)).toEqual([1, 20]);
  });

  it('python: the first START of a run only marks the start, wherever it is', () => {
    const events = [header(), scalars(1, { loss: 1 }), scalars(2, { loss: 2 }), start(1), scalars(1, { loss: 10 })];
    expect(steps(events)).toEqual({ loss: [1, 2, 1] });
    // A second START at the same step then purges: a resume may write two to cover logs without a first one.
    expect(steps([...events.slice(0, 4), start(1), scalars(1, { loss: 10 })])).toEqual({ loss: [1] });
  });

  it('python: a tag whose points were all dropped stays, empty', () => {
    expect(steps([header(), start(0), scalars(5, { loss: 5 }), start(5)])).toEqual({ loss: [] });
  });

  it('python: before brain.Event:2 (or with none), an out-of-order step drops only its own tags from that step', () => {
    const events = [1, 2, 3].map((step) => scalars(step, { loss: step, val: step }));
    events.push(scalars(2, { loss: 20 }));
    expect(steps(events)).toEqual({ loss: [1, 2], val: [1, 2, 3] });
    expect(steps([header('brain.Event:1'), ...events])).toEqual({ loss: [1, 2], val: [1, 2, 3] });
    // Version 2 turns this off: only a START purges.
    expect(steps([header(), ...events])).toEqual({ loss: [1, 2, 3, 2], val: [1, 2, 3] });
    // An unparsable version reads as -1, which is below 2.
    expect(steps([header('brain.Event:two'), ...events])).toEqual({ loss: [1, 2], val: [1, 2, 3] });
  });

  it('rust: ignores START and drops, per tag, the points at or after each new point', () => {
    const events = [header(), start(0), scalars(1, { loss: 1, val: 1 }), scalars(2, { loss: 2 }), scalars(3, { loss: 3, val: 3 })];
    events.push(start(2), scalars(2, { loss: 20 }));
    expect(steps(events, 'rust')).toEqual({ loss: [1, 2], val: [1, 3] });
    expect(steps([header(), scalars(1, { loss: 1 }), scalars(1, { loss: 2 })], 'rust')).toEqual({ loss: [1] });
  });

  it('rust: drops events with a non-finite wall time', () => {
    const bad = { ...scalars(2, { loss: 2 }), wallTime: Number.NaN };
    expect(steps([header(), scalars(1, { loss: 1 }), bad], 'rust')).toEqual({ loss: [1] });
    expect(steps([header(), scalars(1, { loss: 1 }), bad], 'python')).toEqual({ loss: [1, 2] });
  });

  it('skips summary values that carry no scalar', () => {
    expect(steps([header(), { wallTime: 1, step: 1, summary: { value: [{ tag: 'image' }] } }])).toEqual({});
  });
});
