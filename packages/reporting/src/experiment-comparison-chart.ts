/**
 * Two (or a few) experiments side by side: grouped bars of their headline metrics on the left, their
 * validation combined-accuracy curves overlaid on the right, one colour per experiment in both panels.
 */
import type { ChartConfiguration } from 'chart.js';
import { z } from 'zod';
import { barValueLabels } from './bar-value-labels';
import { plotSize, renderChartPng, type PlotOptions } from './chart-renderer';
import { axisTitle, FONT_SIZES, titlePlugins } from './chart-text';
import { lineChartConfig, type LinePoint } from './line-chart';
import { SERIES_COLORS, seriesColor } from './palette';
import { parseReportInput, ReportInputError } from './report-input-error';
import { composeSideBySide } from './side-by-side';

/** One experiment: its name, headline metrics (0..1: accuracies and F1s) and a validation curve over epochs. */
export interface ComparedExperiment {
  name: string;
  /** e.g. `{ action: 0.72, actor: 0.85, combined: 0.65, 'combined (constrained)': 0.67, 'action F1': 0.72 }`. */
  metrics: Readonly<Record<string, number | null>>;
  /** Validation combined accuracy per epoch (0..1). */
  curve: readonly LinePoint[];
}

/** What the comparison shows. */
export interface ExperimentComparisonInput {
  title: string;
  experiments: readonly ComparedExperiment[];
  /** Metrics to draw, in order (default: every metric name, first experiment's order first). */
  metricNames?: readonly string[];
  /** Y-axis title of the curves (default `val combined accuracy`). */
  curveLabel?: string;
}

const share = z.number().min(0, 'expected a value in 0..1').max(1, 'expected a value in 0..1');
const inputSchema = z.object({
  title: z.string().min(1, 'expected a title'),
  experiments: z
    .array(
      z.object({
        name: z.string().min(1),
        metrics: z.record(z.string(), share.nullable()),
        curve: z.array(z.object({ x: z.number().finite(), y: share.nullable() })),
      }),
    )
    .min(2, 'expected at least two experiments to compare')
    .max(SERIES_COLORS.length, `expected at most ${SERIES_COLORS.length} experiments`),
  metricNames: z.array(z.string().min(1)).min(1).optional(),
  curveLabel: z.string().optional(),
});

/** Renders both panels into one PNG (default 1400x640: 700 px per panel; bars only when no experiment has a curve). */
export async function renderExperimentComparison(input: ExperimentComparisonInput, options: PlotOptions = {}): Promise<Buffer> {
  const parsed = parseReportInput(inputSchema, input, 'input');
  const metricNames = parsed.metricNames ?? [...new Set(parsed.experiments.flatMap((experiment) => Object.keys(experiment.metrics)))];
  if (metricNames.length === 0) throw new ReportInputError('input.experiments', 'no metrics to compare');
  const size = plotSize(options, { width: 1400, height: 640 });
  const panel = { width: Math.floor(size.width / 2), height: size.height };

  const bars: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      // Multi-word names wrap onto lines instead of being rotated.
      labels: metricNames.map((name) => name.split(' ')),
      datasets: parsed.experiments.map((experiment, index) => ({
        label: experiment.name,
        data: metricNames.map((name) => experiment.metrics[name] ?? null),
        backgroundColor: seriesColor(index),
        categoryPercentage: 0.8,
        barPercentage: 0.92,
      })),
    },
    options: {
      layout: { padding: { left: 12, right: 16, top: 8, bottom: 8 } },
      plugins: { ...titlePlugins(parsed.title, 'headline metrics (test)'), legend: { position: 'top', labels: { font: { size: FONT_SIZES.legend } } } },
      scales: {
        x: { grid: { display: false }, ticks: { autoSkip: false, maxRotation: 0, font: { size: FONT_SIZES.tick } } },
        y: { min: 0, max: 1.08, title: axisTitle('score (0-1)'), ticks: { stepSize: 0.1, font: { size: FONT_SIZES.tick }, callback: (v) => (Number(v) <= 1 ? Number(v).toFixed(1) : '') } },
      },
    },
    plugins: [barValueLabels((value) => value.toFixed(3), parsed.experiments.length <= 2 ? 11 : 9)],
  };

  const withCurves = parsed.experiments.filter((experiment) => experiment.curve.some((point) => point.y !== null));
  // Without any curve the bars take the whole canvas, so the PNG keeps the size asked for.
  if (withCurves.length === 0) return renderChartPng(bars, size);
  const curves = lineChartConfig(
    {
      title: parsed.curveLabel ?? 'val combined accuracy',
      subtitle: 'per epoch',
      xLabel: 'epoch',
      yLabel: 'accuracy',
      yFormat: 'percent',
      series: parsed.experiments.flatMap((experiment, index) =>
        withCurves.includes(experiment) ? [{ label: experiment.name, points: experiment.curve, color: seriesColor(index) }] : [],
      ),
    },
    'input.experiments.curve',
  );
  const curvesSize = { width: size.width - panel.width, height: size.height };
  return composeSideBySide([await renderChartPng(bars, panel), await renderChartPng(curves, curvesSize)]);
}
