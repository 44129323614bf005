/**
 * scikit-learn's `classification_report(..., labels=range(n), target_names=names, output_dict=True)` as a typed,
 * zod-validated object: one row per class, the `accuracy` row, macro and weighted averages. Values keep full
 * precision; rounding happens only when a report is formatted.
 */
import { z } from 'zod';
import { matrixTotal, type ConfusionMatrix } from './confusion-matrix';
import { averageScores, precisionRecallFscoreSupport, type AveragedScores, type ZeroDivision } from './precision-recall-fscore';

const fraction = z.number().min(0).max(1);

/** Precision, recall, F1 (0..1) and support (clips) of one row of a report. */
export const reportScoresSchema = z.object({
  precision: fraction,
  recall: fraction,
  f1_score: fraction,
  support: z.number().int().nonnegative(),
});

/** One row of a report. */
export type ReportScores = z.infer<typeof reportScoresSchema>;

/** A classification report (the `output_dict=True` content, in snake_case). */
export const classificationReportSchema = z
  .object({
    /** One row per class, in class-index order. */
    per_class: z.array(reportScoresSchema.extend({ label: z.string().min(1) })).min(1),
    /** Fraction of clips predicted right (scikit-learn's `accuracy` row). */
    accuracy: fraction,
    macro_avg: reportScoresSchema,
    weighted_avg: reportScoresSchema,
    /** Labels whose metric divided by zero and was set to `zero_division` (scikit-learn's UndefinedMetricWarning). */
    ill_defined: z.object({ precision: z.array(z.string()), recall: z.array(z.string()), f1_score: z.array(z.string()) }),
    /** The `zero_division` the report was computed with ('warn' acts as 0). */
    zero_division: z.union([z.literal('warn'), z.literal(0), z.literal(1)]),
  })
  .superRefine((report, ctx) => {
    const total = report.per_class.reduce((sum, row) => sum + row.support, 0);
    for (const key of ['macro_avg', 'weighted_avg'] as const) {
      if (report[key].support !== total) {
        ctx.addIssue({ code: 'custom', path: [key, 'support'], message: `expected the total support ${total}, got ${report[key].support}` });
      }
    }
  });

/** A classification report. */
export type ClassificationReport = z.infer<typeof classificationReportSchema>;

function row(scores: AveragedScores): ReportScores {
  return { precision: scores.precision, recall: scores.recall, f1_score: scores.f1, support: scores.support };
}

/**
 * The report of a confusion matrix whose classes are named `labels` (in index order). The accuracy row is
 * always present: every class is listed, so the micro average is the accuracy (scikit-learn >= 1.5; older
 * versions print `micro avg` instead when some listed class never occurs).
 */
export function classificationReport(matrix: ConfusionMatrix, labels: readonly string[], zeroDivision: ZeroDivision = 'warn'): ClassificationReport {
  if (labels.length !== matrix.length) throw new RangeError(`${labels.length} labels for a ${matrix.length}x${matrix.length} confusion matrix`);
  const scores = precisionRecallFscoreSupport(matrix, zeroDivision);
  const names = (indices: readonly number[]): string[] => indices.map((i) => labels[i]);
  return {
    per_class: labels.map((label, i) => ({
      label,
      precision: scores.precision[i],
      recall: scores.recall[i],
      f1_score: scores.f1[i],
      support: scores.support[i],
    })),
    accuracy: matrixTotal(matrix) === 0 ? 0 : averageScores(matrix, 'micro', zeroDivision).precision,
    macro_avg: row(averageScores(matrix, 'macro', zeroDivision)),
    weighted_avg: row(averageScores(matrix, 'weighted', zeroDivision)),
    ill_defined: {
      precision: names(scores.illDefined.precision),
      recall: names(scores.illDefined.recall),
      f1_score: names(scores.illDefined.f1),
    },
    zero_division: zeroDivision,
  };
}

/**
 * scikit-learn's UndefinedMetricWarning messages for a report, prefixed with `what` (e.g. `action`); empty when
 * every metric was well defined.
 */
export function describeIllDefined(report: ClassificationReport, what: string): string[] {
  const { precision, recall, f1_score: f1 } = report.ill_defined;
  const value = report.zero_division === 1 ? '1.0' : '0.0';
  const lines: string[] = [];
  if (precision.length > 0) lines.push(`${what}: precision is ill-defined and set to ${value} for labels with no predicted clips: ${precision.join(', ')}`);
  if (recall.length > 0) lines.push(`${what}: recall is ill-defined and set to ${value} for labels with no true clips: ${recall.join(', ')}`);
  if (f1.length > 0) lines.push(`${what}: F-score is ill-defined and set to ${value} for labels with no true nor predicted clips: ${f1.join(', ')}`);
  return lines;
}
