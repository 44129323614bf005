/** Per-class precision, recall and F1 as grouped bars (scikit-learn's classification report, drawn). */
import type { ChartConfiguration } from 'chart.js';
import { z } from 'zod';
import { barValueLabels } from './bar-value-labels';
import { plotSize, renderChartPng, type PlotOptions } from './chart-renderer';
import { axisTitle, FONT_SIZES, titlePlugins } from './chart-text';
import { parseReportInput } from './report-input-error';

/** One class of a classification report; scores are 0..1, `support` the number of true videos. */
export interface ClassReportRow {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** A titled classification report, e.g. the 8 actions or the 7 actors. */
export interface ClassReportInput {
  title: string;
  rows: readonly ClassReportRow[];
}

const score = z.number().min(0, 'expected a score in 0..1').max(1, 'expected a score in 0..1');

/** The zod schema of one report row (shared with the HTML report). */
export const classReportRowSchema = z.object({
  label: z.string().min(1),
  precision: score,
  recall: score,
  f1: score,
  support: z.number().int().nonnegative(),
});

const inputSchema = z.object({
  title: z.string().min(1, 'expected a title'),
  rows: z.array(classReportRowSchema).min(1, 'expected at least one class'),
});

const SCORES = [
  ['precision', 'precision', '#56B4E9'],
  ['recall', 'recall', '#E69F00'],
  ['f1', 'F1', '#0072B2'],
] as const;

/** Renders grouped precision/recall/F1 bars per class, support under each class name (default 1200x620). */
export async function renderClassReportChart(input: ClassReportInput, options: PlotOptions = {}): Promise<Buffer> {
  const report = parseReportInput(inputSchema, input, 'input');
  const valueFont = report.rows.length <= 10 ? 11 : 9;
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: report.rows.map((row) => [row.label, `n=${row.support}`]),
      datasets: SCORES.map(([key, label, color]) => ({
        label,
        data: report.rows.map((row) => row[key]),
        backgroundColor: color,
        categoryPercentage: 0.8,
        barPercentage: 0.92,
      })),
    },
    options: {
      layout: { padding: { left: 12, right: 24, top: 8, bottom: 8 } },
      plugins: {
        ...titlePlugins(report.title, 'per class; n = true videos of the class'),
        legend: { position: 'top', labels: { font: { size: FONT_SIZES.legend } } },
      },
      scales: {
        x: { grid: { display: false }, ticks: { autoSkip: false, font: { size: FONT_SIZES.tick } } },
        y: { min: 0, max: 1.05, title: axisTitle('score'), ticks: { stepSize: 0.1, font: { size: FONT_SIZES.tick }, callback: (v) => (Number(v) <= 1 ? Number(v).toFixed(1) : '') } },
      },
    },
    plugins: [barValueLabels((value) => value.toFixed(2), valueFont)],
  };
  return renderChartPng(config, plotSize(options, { width: 1200, height: 620 }));
}
