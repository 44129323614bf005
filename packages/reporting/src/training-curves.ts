/**
 * Training curves from per-epoch records: losses, accuracies and the learning rate, each its own chart.
 * Records are read structurally by dotted paths (`train.loss.total`, `val.acc.combined`, `lr`), so any
 * record schema with those fields plots; a series whose path is absent from every record is left out.
 */
import { z } from 'zod';
import type { PlotOptions } from './chart-renderer';
import { renderLineChart, type LineChartInput, type LinePoint, type LineSeries } from './line-chart';
import { parseReportInput, ReportInputError } from './report-input-error';

/** One epoch's record: `epoch` plus nested numbers such as `train.loss.total` (other fields are ignored). */
export interface EpochRecord {
  epoch: number;
  [field: string]: unknown;
}

/** Loss terms plotted for `train.loss.*` and `val.loss.*`, with their legend names. */
export const LOSS_TERMS = [
  ['total', 'total'],
  ['action', 'action'],
  ['actor', 'actor'],
  ['consistency', 'consistency'],
] as const;

/** Accuracy keys plotted for `val.acc.*` and `train.acc.*`, with their legend names. */
export const ACCURACY_TERMS = [
  ['action', 'action'],
  ['actor', 'actor'],
  ['combined', 'combined'],
  ['combinedConstrained', 'combined (constrained)'],
] as const;

/** The number at a dotted path of a record (`train.loss.total`), or null when absent or not a finite number. */
export function valueAtPath(record: unknown, path: string): number | null {
  let value: unknown = record;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return null;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The points `(epoch, record[path])` of every record; epochs without the value become gaps. */
export function recordPoints(records: readonly EpochRecord[], path: string): LinePoint[] {
  return records.map((record) => ({ x: record.epoch, y: valueAtPath(record, path) }));
}

/** The three charts of a run; a chart is absent when the records hold none of its series. */
export interface TrainingCurveCharts {
  loss?: LineChartInput;
  accuracy?: LineChartInput;
  learningRate?: LineChartInput;
}

/** The rendered PNGs of `trainingCurveCharts`, same keys. */
export interface TrainingCurvePngs {
  loss?: Buffer;
  accuracy?: Buffer;
  learningRate?: Buffer;
}

// One colour per term in every chart (Okabe-Ito), so `action` is the same blue in the loss and accuracy plots.
const TERM_COLORS: Record<string, string> = {
  total: '#000000',
  combined: '#000000',
  action: '#0072B2',
  actor: '#D55E00',
  consistency: '#009E73',
  combinedConstrained: '#CC79A7',
  lr: '#0072B2',
};

const recordsSchema = z
  .array(z.looseObject({ epoch: z.number().finite() }), { message: 'expected an array of epoch records' })
  .min(1, 'expected at least one epoch record');

function presentSeries(records: readonly EpochRecord[], path: string, series: Omit<LineSeries, 'points'>): LineSeries[] {
  const points = recordPoints(records, path);
  return points.some((point) => point.y !== null) ? [{ ...series, points }] : [];
}

/**
 * Builds the loss, accuracy and learning-rate charts from epoch records: train solid, validation dashed, one
 * colour per term. Accuracies that are all <= 1 are read as shares and shown as percent.
 */
export function trainingCurveCharts(records: readonly EpochRecord[], title = 'Training'): TrainingCurveCharts {
  const parsed = parseReportInput(recordsSchema, records, 'records') as EpochRecord[];
  const sorted = [...parsed].sort((a, b) => a.epoch - b.epoch);
  const charts: TrainingCurveCharts = {};

  const loss = LOSS_TERMS.flatMap(([key, name]) => [
    ...presentSeries(sorted, `train.loss.${key}`, { label: `train ${name}`, color: TERM_COLORS[key] }),
    ...presentSeries(sorted, `val.loss.${key}`, { label: `val ${name}`, color: TERM_COLORS[key], dashed: true }),
  ]);
  if (loss.length > 0) charts.loss = { title: `${title}: loss`, xLabel: 'epoch', yLabel: 'loss', series: loss };

  const accuracy = ACCURACY_TERMS.flatMap(([key, name]) => [
    ...presentSeries(sorted, `train.acc.${key}`, { label: `train ${name}`, color: TERM_COLORS[key] }),
    ...presentSeries(sorted, `val.acc.${key}`, { label: `val ${name}`, color: TERM_COLORS[key], dashed: true }),
  ]);
  if (accuracy.length > 0) {
    const shares = accuracy.every((series) => series.points.every((point) => point.y === null || point.y <= 1));
    charts.accuracy = {
      title: `${title}: accuracy`,
      subtitle: 'combined: action and actor both right; constrained: decoded to a valid A2D pair',
      xLabel: 'epoch',
      yLabel: shares ? 'accuracy' : 'accuracy (%)',
      yFormat: shares ? 'percent' : 'number',
      series: accuracy,
    };
  }

  const lr = presentSeries(sorted, 'lr', { label: 'learning rate', color: TERM_COLORS.lr });
  if (lr.length > 0) {
    const values = lr[0].points.map((point) => point.y).filter((y): y is number => y !== null);
    const log = values.every((y) => y > 0) && Math.max(...values) / Math.min(...values) >= 20;
    charts.learningRate = {
      title: `${title}: learning rate`,
      subtitle: log ? 'log scale' : undefined,
      xLabel: 'epoch',
      yLabel: 'learning rate',
      yScale: log ? 'log' : 'linear',
      series: lr,
    };
  }

  if (!charts.loss && !charts.accuracy && !charts.learningRate) {
    throw new ReportInputError('records', 'no known series: expected fields such as train.loss.total, val.acc.combined or lr');
  }
  return charts;
}

/** Renders `trainingCurveCharts(records, title)` to PNGs (1200x600 each unless `options` says otherwise). */
export async function renderTrainingCurves(
  records: readonly EpochRecord[],
  options: PlotOptions & { title?: string } = {},
): Promise<TrainingCurvePngs> {
  const charts = trainingCurveCharts(records, options.title);
  const size = { width: options.width, height: options.height };
  return {
    loss: charts.loss && (await renderLineChart(charts.loss, size)),
    accuracy: charts.accuracy && (await renderLineChart(charts.accuracy, size)),
    learningRate: charts.learningRate && (await renderLineChart(charts.learningRate, size)),
  };
}
