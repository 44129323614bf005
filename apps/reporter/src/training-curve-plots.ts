/**
 * Training curves of one experiment from its `metrics.jsonl`: loss, accuracy (with the EMA weights' validation
 * combined accuracy when the run kept an EMA) and the learning rate of each epoch's first and last update.
 * The records hold accuracies in percent; the charts take shares 0..1, so they are converted here.
 */
import type { EpochRecord as TrainingEpochRecord, Accuracies } from '@a2d/training';
import {
  recordPoints,
  renderLineChart,
  trainingCurveCharts,
  type EpochRecord as ChartEpochRecord,
  type LineChartInput,
} from '@a2d/reporting';

/** A rendered plot, named by the file it is written to in `plots/`. */
export interface NamedPlot {
  /** File name in `plots/`, e.g. `training-loss.png`. */
  file: string;
  title: string;
  png: Buffer;
  caption?: string;
}

/** The file names this module writes (so stale ones can be removed when a chart is not drawn). */
export const TRAINING_PLOT_FILES = ['training-loss.png', 'training-accuracy.png', 'learning-rate.png'] as const;

/** A learning-rate chart switches to a log axis when its values span this factor or more (as the reporting package does). */
const LOG_SCALE_SPAN = 20;
// Grey: a variant of the combined curve (black), not a new term.
const EMA_COLOR = '#7f7f7f';

type Shares = { [K in keyof Accuracies]: number | null };

function toShares(accuracies: Accuracies): Shares {
  const share = (value: number | null | undefined): number | null => (value === null || value === undefined ? null : value / 100);
  return {
    action: share(accuracies.action),
    actor: share(accuracies.actor),
    combined: share(accuracies.combined),
    combinedConstrained: share(accuracies.combinedConstrained),
  };
}

/** A record as the charts read it: accuracies as shares 0..1, `lr` left out (it is drawn separately). */
export function chartRecord(record: TrainingEpochRecord): ChartEpochRecord {
  return {
    epoch: record.epoch,
    train: { loss: record.train.loss, acc: toShares(record.train.acc) },
    val: record.val && { loss: record.val.loss, acc: toShares(record.val.acc) },
    valEma: record.valEma && { loss: record.valEma.loss, acc: toShares(record.valEma.acc) },
  };
}

/**
 * The learning rate over training as one line: epoch `e` runs from x = e - 1 (its first update) to x = e (its
 * last), so warmup and decay read as the schedule they are; a step between epochs shows as a vertical segment.
 */
export function learningRateChart(records: readonly TrainingEpochRecord[], title: string): LineChartInput {
  const sorted = [...records].sort((a, b) => a.epoch - b.epoch);
  const points = sorted.flatMap((record) => [
    { x: record.epoch - 1, y: record.lr.first },
    { x: record.epoch, y: record.lr.last },
  ]);
  const values = points.map((point) => point.y);
  const log = values.every((value) => value > 0) && Math.max(...values) / Math.min(...values) >= LOG_SCALE_SPAN;
  return {
    title: `${title}: learning rate`,
    subtitle: `each epoch from its first to its last optimizer update${log ? '; log scale' : ''}`,
    xLabel: 'epochs completed',
    yLabel: 'learning rate',
    yScale: log ? 'log' : 'linear',
    series: [{ label: 'learning rate', points, color: '#0072B2' }],
  };
}

/** Adds the EMA weights' validation combined accuracy to the accuracy chart when any epoch has it. */
function withEmaSeries(chart: LineChartInput, records: readonly ChartEpochRecord[]): LineChartInput {
  const points = recordPoints(records, 'valEma.acc.combined');
  if (!points.some((point) => point.y !== null)) return chart;
  return { ...chart, series: [...chart.series, { label: 'val combined (EMA weights)', points, color: EMA_COLOR, dashed: true }] };
}

/** Whether the constrained validation curve coincides with the plain one (the chart then draws one over the other). */
function constrainedHidden(records: readonly ChartEpochRecord[]): boolean {
  const plain = recordPoints(records, 'val.acc.combined');
  const constrained = recordPoints(records, 'val.acc.combinedConstrained');
  return constrained.some((point) => point.y !== null) && constrained.every((point, index) => point.y === null || point.y === plain[index].y);
}

/** Renders the training curves of `records` (none when there are no records). */
export async function renderTrainingPlots(records: readonly TrainingEpochRecord[], title: string): Promise<NamedPlot[]> {
  if (records.length === 0) return [];
  const chartRecords = records.map(chartRecord).sort((a, b) => a.epoch - b.epoch);
  const charts = trainingCurveCharts(chartRecords, title);
  const epochs = `${records.length} epoch${records.length === 1 ? '' : 's'}`;
  const plots: NamedPlot[] = [];
  if (charts.loss) {
    plots.push({ file: 'training-loss.png', title: 'Loss', png: await renderLineChart(charts.loss), caption: `train solid, validation dashed; ${epochs}` });
  }
  if (charts.accuracy) {
    const validated = records.some((record) => record.val !== null);
    const hidden = constrainedHidden(chartRecords) ? '; val combined (constrained) equals val combined at every epoch, so its line lies under it' : '';
    plots.push({
      file: 'training-accuracy.png',
      title: 'Accuracy',
      png: await renderLineChart(withEmaSeries(charts.accuracy, chartRecords)),
      caption: validated
        ? `train solid (measured on the training batches during the epoch), validation dashed${hidden}`
        : 'train only (measured on the training batches during the epoch): no epoch was validated (train.evalEvery)',
    });
  }
  plots.push({
    file: 'learning-rate.png',
    title: 'Learning rate',
    png: await renderLineChart(learningRateChart(records, title)),
    caption: "at each epoch's first and last optimizer update",
  });
  return plots;
}
