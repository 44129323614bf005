/** Accuracy of every actor-action pair as horizontal bars, best first, each labelled with its support. */
import type { ChartConfiguration } from 'chart.js';
import { z } from 'zod';
import { barValueLabels } from './bar-value-labels';
import { plotSize, renderChartPng, type PlotOptions } from './chart-renderer';
import { axisTitle, FONT_SIZES, formatPercent, titlePlugins } from './chart-text';
import { parseReportInput, ReportInputError } from './report-input-error';

/** One pair (e.g. `adult-climbing`): the share of its videos classified fully right, out of `support`. */
export interface PairAccuracy {
  label: string;
  accuracy: number;
  support: number;
}

/** The titled list of pairs to draw. */
export interface PairAccuracyInput {
  title: string;
  pairs: readonly PairAccuracy[];
}

const inputSchema = z.object({
  title: z.string().min(1, 'expected a title'),
  pairs: z
    .array(
      z.object({
        label: z.string().min(1),
        accuracy: z.number().min(0, 'expected a share in 0..1').max(1, 'expected a share in 0..1'),
        support: z.number().int().nonnegative(),
      }),
    )
    .min(1, 'expected at least one pair'),
});

/** Renders the sorted bars (default 1200 wide, 26 px per pair); pairs without videos are left out and counted. */
export async function renderPairAccuracyChart(input: PairAccuracyInput, options: PlotOptions = {}): Promise<Buffer> {
  const parsed = parseReportInput(inputSchema, input, 'input');
  const pairs = parsed.pairs
    .filter((pair) => pair.support > 0)
    .sort((a, b) => b.accuracy - a.accuracy || b.support - a.support || a.label.localeCompare(b.label));
  if (pairs.length === 0) throw new ReportInputError('input.pairs', 'every pair has support 0: nothing to draw');
  const omitted = parsed.pairs.length - pairs.length;
  const correct = pairs.reduce((sum, pair) => sum + Math.round(pair.accuracy * pair.support), 0);
  const videos = pairs.reduce((sum, pair) => sum + pair.support, 0);
  const subtitle =
    `${pairs.length} pairs, ${videos} videos, ${formatPercent(correct / videos)} overall; bar label: accuracy (correct/videos)` +
    (omitted > 0 ? `; ${omitted} pair${omitted === 1 ? '' : 's'} without videos left out` : '');

  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: pairs.map((pair) => `${pair.label} (n=${pair.support})`),
      datasets: [{ label: 'accuracy', data: pairs.map((pair) => pair.accuracy), backgroundColor: '#0072B2', barPercentage: 0.8, categoryPercentage: 0.9 }],
    },
    options: {
      indexAxis: 'y',
      layout: { padding: { left: 12, right: 40, top: 8, bottom: 8 } },
      plugins: { ...titlePlugins(parsed.title, subtitle), legend: { display: false } },
      scales: {
        x: { min: 0, max: 1.12, title: axisTitle('accuracy (action and actor right)'), ticks: { stepSize: 0.1, font: { size: FONT_SIZES.tick }, callback: (v) => (Number(v) <= 1 ? formatPercent(Number(v), 0) : '') } },
        y: { grid: { display: false }, ticks: { autoSkip: false, font: { size: FONT_SIZES.tick } } },
      },
    },
    plugins: [
      barValueLabels((value, _dataset, index) => `${formatPercent(value, 0)} (${Math.round(value * pairs[index].support)}/${pairs[index].support})`, 12),
    ],
  };
  return renderChartPng(config, plotSize(options, { width: 1200, height: Math.max(300, 26 * pairs.length + 170) }));
}
