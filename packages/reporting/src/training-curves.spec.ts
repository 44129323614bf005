import { ReportInputError } from './report-input-error';
import { expectChartPng } from './testing/png-pixels';
import { recordPoints, renderTrainingCurves, trainingCurveCharts, valueAtPath, type EpochRecord } from './training-curves';

function record(epoch: number, withVal = true): EpochRecord {
  const loss = 1 / epoch;
  return {
    epoch,
    lr: 1e-3 * 0.1 ** (epoch - 1),
    train: { loss: { total: loss, action: loss / 2, actor: loss / 3, consistency: loss / 10 }, acc: { action: 0.5 + epoch / 20 } },
    ...(withVal ? { val: { loss: { total: loss * 1.1 }, acc: { action: 0.4, actor: 0.6, combined: 0.3, combinedConstrained: 0.32 } } } : {}),
  };
}

describe('training curves', () => {
  const records = [record(3), record(1), record(2, false)];

  it('reads numbers at dotted paths and nothing else', () => {
    expect(valueAtPath(record(1), 'train.loss.total')).toBe(1);
    expect(valueAtPath(record(1), 'train.loss.missing')).toBeNull();
    expect(valueAtPath({ epoch: 1, a: { b: 'x' } }, 'a.b')).toBeNull();
    expect(valueAtPath({ epoch: 1, a: Number.NaN }, 'a')).toBeNull();
    expect(recordPoints([record(1), record(2, false)], 'val.loss.total')).toEqual([{ x: 1, y: 1.1 }, { x: 2, y: null }]);
  });

  it('builds loss, accuracy and learning-rate charts from the keys that are present, sorted by epoch', () => {
    const charts = trainingCurveCharts(records, 'run-1');
    expect(charts.loss?.series.map((series) => series.label)).toEqual(['train total', 'val total', 'train action', 'train actor', 'train consistency']);
    expect(charts.loss?.series[1]).toMatchObject({ dashed: true, points: [{ x: 1, y: 1.1 }, { x: 2, y: null }, { x: 3, y: 1.1 / 3 }] });
    expect(charts.accuracy?.series.map((series) => series.label)).toEqual([
      'train action',
      'val action',
      'val actor',
      'val combined',
      'val combined (constrained)',
    ]);
    expect(charts.accuracy?.yFormat).toBe('percent');
    expect(charts.learningRate).toMatchObject({ yScale: 'log', title: 'run-1: learning rate' });
  });

  it('treats accuracies above 1 as percent values and leaves out charts without data', () => {
    const charts = trainingCurveCharts([{ epoch: 1, val: { acc: { combined: 65.2 } } }]);
    expect(charts.accuracy).toMatchObject({ yFormat: 'number', yLabel: 'accuracy (%)' });
    expect(charts.loss).toBeUndefined();
    expect(charts.learningRate).toBeUndefined();
  });

  it('renders each chart to a 1200x600 PNG', async () => {
    const pngs = await renderTrainingCurves(records, { title: 'run-1' });
    await expectChartPng(pngs.loss as Buffer, 1200, 600);
    await expectChartPng(pngs.accuracy as Buffer, 1200, 600);
    await expectChartPng(pngs.learningRate as Buffer, 1200, 600);
  });

  it('rejects empty, malformed or unknown records with a typed error', () => {
    expect(() => trainingCurveCharts([])).toThrow(new ReportInputError('records', 'expected at least one epoch record'));
    expect(() => trainingCurveCharts([{ epoch: 'one' } as unknown as EpochRecord])).toThrow(/records\.0\.epoch/);
    expect(() => trainingCurveCharts([{ epoch: 1, loss: 2 }])).toThrow(/no known series/);
  });
});
