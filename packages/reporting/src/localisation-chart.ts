/**
 * Where the model looked, in one chart: per group of annotated frames (overall, then per true actor) the pointing
 * game's hit rate of step 1's map and of step 2's map, with their 95% intervals as whiskers, beside the rate a
 * random point would reach (the box's share of the frame). A map localises only where its bar clears the grey one.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import { z } from 'zod';
import { plotSize, renderChartPng, type PlotOptions } from './chart-renderer';
import { axisTitle, canvasFont, FONT_SIZES, formatPercent, titlePlugins } from './chart-text';
import { CHART_COLORS } from './palette';
import { parseReportInput, ReportInputError } from './report-input-error';

/** One step's pointing-game rate over a group of frames; both null when the group has no frame. */
export interface PointingRate {
  /** Hits / frames, 0..1. */
  rate: number | null;
  /** 95% interval of `rate` (lower, upper), 0..1. */
  interval95: readonly [number, number] | null;
}

/** One group of scored frames (e.g. `overall` or `adult`): both steps' rates and the random point's. */
export interface PointingGameRow {
  label: string;
  /** Frames scored in the group. */
  frames: number;
  /** Step 1's map (the action). */
  step1: PointingRate;
  /** Step 2's map (the actor given the action). */
  step2: PointingRate;
  /** Expected rate of a random point (mean share of the frame the box covers); null without frames. */
  baseline: number | null;
}

/** The titled groups to draw, in order. */
export interface LocalisationChartInput {
  title: string;
  /** Second title line (default: what the bars and whiskers are). */
  subtitle?: string;
  groups: readonly PointingGameRow[];
}

const share = z.number().min(0, 'expected a share in 0..1').max(1, 'expected a share in 0..1');
const rateSchema = z.object({
  rate: share.nullable(),
  interval95: z
    .tuple([share, share])
    .refine(([lower, upper]) => lower <= upper, 'expected lower <= upper')
    .nullable(),
});

/** The zod schema of one row (shared with the HTML report's pointing table). */
export const pointingGameRowSchema = z.object({
  label: z.string().min(1),
  frames: z.number().int().nonnegative(),
  step1: rateSchema,
  step2: rateSchema,
  baseline: share.nullable(),
});

const inputSchema = z.object({
  title: z.string().min(1, 'expected a title'),
  subtitle: z.string().optional(),
  groups: z.array(pointingGameRowSchema).min(1, 'expected at least one group'),
});

/** Bar colours: step 1 blue, step 2 vermillion (as elsewhere), the random point grey: a reference, not a model. */
export const LOCALISATION_COLORS = { step1: '#0072B2', step2: '#D55E00', baseline: '#A0A0A0' } as const;

const DEFAULT_SUBTITLE = "share of annotated frames whose map peaks on the true actor's box; whiskers: 95% interval; n = frames";

/**
 * Whiskers for the intervals of the two step datasets, and each bar's value printed above its bar or whisker,
 * whichever is higher (a shared value-label plugin would print into the whisker).
 */
function intervalsAndValues(intervals: readonly (readonly ([number, number] | null)[])[]): Plugin<'bar'> {
  return {
    id: 'a2dPointingIntervals',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      const y = chart.scales.y;
      ctx.save();
      ctx.font = canvasFont(FONT_SIZES.value - 1);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      chart.data.datasets.forEach((dataset, datasetIndex) => {
        chart.getDatasetMeta(datasetIndex).data.forEach((element, index) => {
          const value = dataset.data[index];
          if (typeof value !== 'number') return;
          const bar = element.getProps(['x', 'y', 'width']) as Record<string, number>;
          let top = bar.y;
          const interval = intervals[datasetIndex]?.[index];
          if (interval) {
            const [low, high] = [y.getPixelForValue(interval[0]), y.getPixelForValue(interval[1])];
            const cap = Math.max(3, bar.width / 4);
            ctx.strokeStyle = CHART_COLORS.text;
            ctx.lineWidth = 1.5;
            ctx.beginPath();
            ctx.moveTo(bar.x, low);
            ctx.lineTo(bar.x, high);
            ctx.moveTo(bar.x - cap, low);
            ctx.lineTo(bar.x + cap, low);
            ctx.moveTo(bar.x - cap, high);
            ctx.lineTo(bar.x + cap, high);
            ctx.stroke();
            top = Math.min(top, high);
          }
          ctx.fillStyle = CHART_COLORS.text;
          ctx.fillText(formatPercent(value, 0), bar.x, top - 3);
        });
      });
      ctx.restore();
    },
  };
}

/**
 * Renders grouped bars per group: step 1, step 2 and the random point (default 1200x600). Groups without frames
 * keep their place, empty; a chart where no group has a frame is refused.
 */
export async function renderLocalisationChart(input: LocalisationChartInput, options: PlotOptions = {}): Promise<Buffer> {
  const parsed = parseReportInput(inputSchema, input, 'input');
  if (parsed.groups.every((group) => group.frames === 0)) throw new ReportInputError('input.groups', 'no group has a scored frame: nothing to draw');
  const { groups } = parsed;
  const datasets = [
    { label: "step 1 (action's map)", data: groups.map((group) => group.step1.rate), backgroundColor: LOCALISATION_COLORS.step1 },
    { label: "step 2 (actor's map)", data: groups.map((group) => group.step2.rate), backgroundColor: LOCALISATION_COLORS.step2 },
    { label: 'random point', data: groups.map((group) => group.baseline), backgroundColor: LOCALISATION_COLORS.baseline },
  ];
  const intervals = [groups.map((group) => group.step1.interval95), groups.map((group) => group.step2.interval95), []];
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: groups.map((group) => [group.label, `n=${group.frames}`]),
      datasets: datasets.map((dataset) => ({ ...dataset, categoryPercentage: 0.8, barPercentage: 0.92 })),
    },
    options: {
      layout: { padding: { left: 12, right: 24, top: 8, bottom: 8 } },
      plugins: {
        ...titlePlugins(parsed.title, parsed.subtitle ?? DEFAULT_SUBTITLE),
        legend: { position: 'top', labels: { font: { size: FONT_SIZES.legend } } },
      },
      scales: {
        x: { grid: { display: false }, ticks: { autoSkip: false, font: { size: FONT_SIZES.tick } } },
        y: {
          min: 0,
          max: 1.08,
          title: axisTitle('pointing-game hit rate'),
          ticks: { stepSize: 0.1, font: { size: FONT_SIZES.tick }, callback: (v) => (Number(v) <= 1 ? formatPercent(Number(v), 0) : '') },
        },
      },
    },
    plugins: [intervalsAndValues(intervals)],
  };
  return renderChartPng(config, plotSize(options, { width: 1200, height: 600 }));
}
