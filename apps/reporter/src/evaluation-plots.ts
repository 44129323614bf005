/**
 * What `results/metrics.json` shows: confusion matrices (action and actor, counts and row shares; the joint
 * matrix over the 36 video-level pairs), per-class precision/recall/F1, per-pair accuracy and the classification
 * report tables. metrics.json holds accuracies in percent and scores in 0..1; the charts take shares, so per-pair
 * accuracy is taken from its counts (correct / support).
 */
import type { ClassificationReport, LabelledConfusionMatrix, MetricsJson } from '@a2d/metrics';
import {
  renderClassReportChart,
  renderConfusionMatrix,
  renderPairAccuracyChart,
  type ClassReportRow,
  type ClassReportTable,
  type PairAccuracy,
} from '@a2d/reporting';
import type { NamedPlot } from './training-curve-plots';

/** The file names this module writes (so stale ones can be removed when a chart is not drawn). */
export const EVALUATION_PLOT_FILES = [
  'confusion-action.png',
  'confusion-action-normalized.png',
  'confusion-actor.png',
  'confusion-actor-normalized.png',
  'confusion-pairs.png',
  'class-report-action.png',
  'class-report-actor.png',
  'pair-accuracy.png',
] as const;

/** Plots and tables of one evaluation, and why any of them could not be drawn. */
export interface EvaluationPlots {
  plots: NamedPlot[];
  tables: ClassReportTable[];
  /** `action confusion matrix: <reason from metrics.json's unavailable>`. */
  unavailable: string[];
}

/** Label of the extra column of the pair matrix: predictions that are no video-level pair at all. */
export const INVALID_PAIR_COLUMN = 'invalid pair';

function reportRows(report: ClassificationReport): ClassReportRow[] {
  return report.per_class.map((row) => ({ label: row.label, precision: row.precision, recall: row.recall, f1: row.f1_score, support: row.support }));
}

/** A classification report as a table: one row per class, then the macro and weighted averages. */
export function classReportTable(title: string, report: ClassificationReport): ClassReportTable {
  const summary = (label: string, scores: ClassificationReport['macro_avg']): ClassReportRow => ({
    label,
    precision: scores.precision,
    recall: scores.recall,
    f1: scores.f1_score,
    support: scores.support,
  });
  return { title, rows: reportRows(report), summary: [summary('macro avg', report.macro_avg), summary('weighted avg', report.weighted_avg)] };
}

/** Per-pair accuracy (both heads right) as shares, from the counts of `per_pair`. */
export function pairAccuracies(metrics: MetricsJson): PairAccuracy[] {
  return metrics.per_pair.map((pair) => ({ label: pair.name, accuracy: pair.support > 0 ? pair.correct / pair.support : 0, support: pair.support }));
}

async function confusionPlots(head: 'action' | 'actor', matrix: LabelledConfusionMatrix): Promise<NamedPlot[]> {
  const name = head === 'action' ? 'Action' : 'Actor';
  const input = { trueLabels: matrix.labels, counts: matrix.matrix };
  return [
    {
      file: `confusion-${head}.png`,
      title: `${name} confusion matrix (counts)`,
      png: await renderConfusionMatrix({ ...input, title: `${name} confusion matrix (test)` }),
    },
    {
      file: `confusion-${head}-normalized.png`,
      title: `${name} confusion matrix (row-normalised)`,
      png: await renderConfusionMatrix({ ...input, title: `${name} confusion matrix (test, row-normalised)` }, { normalize: 'row' }),
      caption: 'each row is one true class; the diagonal is its recall',
    },
  ];
}

async function pairConfusionPlot(pairs: NonNullable<MetricsJson['pair_confusion']>): Promise<NamedPlot> {
  // The invalid-pair column only appears when some prediction was not a video-level pair (never for the one-step model).
  const invalid = pairs.invalid_predicted.reduce((sum, count) => sum + count, 0);
  const counts = invalid > 0 ? pairs.matrix.map((row, index) => [...row, pairs.invalid_predicted[index]]) : pairs.matrix;
  return {
    file: 'confusion-pairs.png',
    title: 'Actor-action pair confusion matrix (counts)',
    png: await renderConfusionMatrix({
      title: `Actor-action pair confusion matrix (test, ${pairs.labels.length} video-level pairs)`,
      trueLabels: pairs.labels,
      predictedLabels: invalid > 0 ? [...pairs.labels, INVALID_PAIR_COLUMN] : pairs.labels,
      counts,
    }),
    caption:
      invalid > 0
        ? `a clip counts on the diagonal only when action and actor are both right; "${INVALID_PAIR_COLUMN}": ${invalid} predictions that are no A2D pair`
        : 'a clip counts on the diagonal only when action and actor are both right',
  };
}

/**
 * Renders every plot `metrics` has the data for, in reading order: per-class scores, per-pair accuracy, then the
 * confusion matrices. A null matrix or report is listed with its reason from `unavailable` instead.
 */
export async function renderEvaluationPlots(metrics: MetricsJson): Promise<EvaluationPlots> {
  const plots: NamedPlot[] = [];
  const tables: ClassReportTable[] = [];
  const unavailable: string[] = [];
  const reason = (field: string): string => metrics.unavailable[field] ?? 'not in metrics.json';

  for (const head of ['action', 'actor'] as const) {
    const name = head === 'action' ? 'Action' : 'Actor';
    const report = metrics[`${head}_report`];
    if (!report) {
      unavailable.push(`${head} classification report: ${reason(`${head}_report`)}`);
      continue;
    }
    plots.push({
      file: `class-report-${head}.png`,
      title: `${name} precision, recall and F1 per class`,
      png: await renderClassReportChart({ title: `${name} classification report (test)`, rows: reportRows(report) }),
    });
    tables.push(classReportTable(`${name} (test)`, report));
  }

  const pairs = pairAccuracies(metrics);
  if (pairs.some((pair) => pair.support > 0)) {
    plots.push({
      file: 'pair-accuracy.png',
      title: 'Accuracy per actor-action pair',
      png: await renderPairAccuracyChart({ title: 'Accuracy per actor-action pair (test)', pairs }),
      caption: "share of the pair's test clips with both action and actor right",
    });
  }

  for (const head of ['action', 'actor'] as const) {
    const matrix = metrics[`${head}_confusion`];
    if (matrix) plots.push(...(await confusionPlots(head, matrix)));
    else unavailable.push(`${head} confusion matrix: ${reason(`${head}_confusion`)}`);
  }
  if (metrics.pair_confusion) plots.push(await pairConfusionPlot(metrics.pair_confusion));
  else unavailable.push(`pair confusion matrix: ${reason('pair_confusion')}`);
  return { plots, tables, unavailable };
}
