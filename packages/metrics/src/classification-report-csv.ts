/**
 * Classification reports as CSV in the reference layout: what
 * `pd.DataFrame(classification_report(..., output_dict=True)).transpose().to_csv(path)` writes, byte for byte:
 * header `,precision,recall,f1-score,support`, one row per class, `accuracy` (the accuracy in all four columns),
 * `macro avg`, `weighted avg`; every number as Python writes a float (`82.0`, `0.7870967741935484`).
 */
import { writeFileAtomic } from '@a2d/core';
import type { ClassificationReport, ReportScores } from './classification-report';
import { formatCsvLine } from './csv-fields';
import { formatPythonFloat } from './python-float';

/** The header line of a classification report CSV. */
export const CLASSIFICATION_REPORT_CSV_HEADER = ',precision,recall,f1-score,support';

function scoreCells(scores: ReportScores): string[] {
  return [scores.precision, scores.recall, scores.f1_score, scores.support].map(formatPythonFloat);
}

/** The CSV text of a report (`\n` line ends, trailing newline), identical to the pandas-written reference files. */
export function formatClassificationReportCsv(report: ClassificationReport): string {
  const lines = [
    CLASSIFICATION_REPORT_CSV_HEADER,
    ...report.per_class.map((row) => formatCsvLine([row.label, ...scoreCells(row)])),
    formatCsvLine(['accuracy', ...new Array<string>(4).fill(formatPythonFloat(report.accuracy))]),
    formatCsvLine(['macro avg', ...scoreCells(report.macro_avg)]),
    formatCsvLine(['weighted avg', ...scoreCells(report.weighted_avg)]),
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes a report CSV atomically (creates the folder). */
export async function writeClassificationReportCsv(file: string, report: ClassificationReport): Promise<void> {
  await writeFileAtomic(file, formatClassificationReportCsv(report));
}
