/** Line charts of numeric series over a numeric x axis (epochs): the base of training and comparison curves. */
import type { ChartConfiguration } from 'chart.js';
import { z } from 'zod';
import { plotSize, renderChartPng, type PlotOptions } from './chart-renderer';
import { axisTitle, FONT_SIZES, formatPercent, titlePlugins } from './chart-text';
import { seriesColor } from './palette';
import { parseReportInput, ReportInputError } from './report-input-error';

/** One point; `y: null` leaves a gap (e.g. an epoch without validation). */
export interface LinePoint {
  x: number;
  y: number | null;
}

/** A named series of points. */
export interface LineSeries {
  label: string;
  points: readonly LinePoint[];
  /** `#rrggbb`; default: the palette colour of its position. */
  color?: string;
  /** Dashed line (used for validation series next to solid training ones). */
  dashed?: boolean;
}

/** Everything a line chart shows. */
export interface LineChartInput {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** `log` needs every y > 0 (default `linear`). */
  yScale?: 'linear' | 'log';
  /** `percent`: y values are shares 0..1, ticks read `72%` (default `number`). */
  yFormat?: 'number' | 'percent';
}

const pointSchema = z.object({ x: z.number().finite(), y: z.number().finite().nullable() });
const seriesSchema = z.object({
  label: z.string().min(1),
  points: z.array(pointSchema).min(1, 'expected at least one point'),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'expected a #rrggbb colour').optional(),
  dashed: z.boolean().optional(),
});
const lineChartSchema = z.object({
  title: z.string().min(1, 'expected a title'),
  subtitle: z.string().optional(),
  xLabel: z.string(),
  yLabel: z.string(),
  series: z.array(seriesSchema).min(1, 'expected at least one series'),
  yScale: z.enum(['linear', 'log']).optional(),
  yFormat: z.enum(['number', 'percent']).optional(),
});

const DEFAULT_SIZE = { width: 1200, height: 600 };
const DASH = [8, 5];

/** `3e-4`-style label for log-scale ticks at 1, 2, 3 and 5 per decade; other ticks (1.5, 2.5, 4, ...) stay unlabelled. */
export function logTickLabel(value: number): string {
  const exponent = Math.floor(Math.log10(value) + 1e-9);
  const mantissa = value / 10 ** exponent;
  const label = [1, 2, 3, 5].find((candidate) => Math.abs(mantissa - candidate) < 1e-6);
  return label === undefined ? '' : `${label}e${exponent}`;
}

/** Validates a line chart input and builds its Chart.js configuration (shared with the comparison plot). */
export function lineChartConfig(input: LineChartInput, argument = 'input'): ChartConfiguration<'line'> {
  const chart = parseReportInput(lineChartSchema, input, argument);
  const values = chart.series.flatMap((series) => series.points.map((point) => point.y)).filter((y): y is number => y !== null);
  if (values.length === 0) throw new ReportInputError(`${argument}.series`, 'every point is null: nothing to draw');
  const log = chart.yScale === 'log';
  if (log && values.some((y) => y <= 0)) throw new ReportInputError(`${argument}.series`, 'a log scale needs every y > 0');
  const percent = chart.yFormat === 'percent';
  const integerX = chart.series.every((series) => series.points.every((point) => Number.isInteger(point.x)));
  const longest = Math.max(...chart.series.map((series) => series.points.length));

  return {
    type: 'line',
    data: {
      datasets: chart.series.map((series, index) => {
        const color = series.color ?? seriesColor(index);
        return {
          label: series.label,
          data: series.points.map((point) => ({ x: point.x, y: point.y })),
          borderColor: color,
          backgroundColor: color,
          borderWidth: 2.5,
          borderDash: series.dashed ? DASH : [],
          pointRadius: longest <= 40 ? 3 : 0,
          pointStyle: 'circle',
          spanGaps: false,
          tension: 0,
          // Points on the axis ends are drawn whole, not cut in half by the chart area.
          clip: false as const,
        };
      }),
    },
    options: {
      layout: { padding: { left: 12, right: 32, top: 8, bottom: 8 } },
      plugins: {
        ...titlePlugins(chart.title, chart.subtitle),
        legend: {
          position: 'top',
          labels: {
            usePointStyle: true,
            pointStyleWidth: 44,
            padding: 18,
            font: { size: FONT_SIZES.legend },
            // Built here because Chart.js takes a point-style legend's dash from the point, not the line.
            generateLabels: () =>
              chart.series.map((series, index) => ({
                text: series.label,
                datasetIndex: index,
                strokeStyle: series.color ?? seriesColor(index),
                fillStyle: series.color ?? seriesColor(index),
                lineWidth: 2.5,
                lineDash: series.dashed ? DASH : [],
                pointStyle: 'line' as const,
              })),
          },
        },
      },
      scales: {
        x: {
          type: 'linear',
          title: axisTitle(chart.xLabel),
          ticks: { precision: integerX ? 0 : undefined, font: { size: FONT_SIZES.tick } },
        },
        y: {
          type: log ? 'logarithmic' : 'linear',
          title: axisTitle(chart.yLabel),
          min: percent && !log ? 0 : undefined,
          max: percent && !log && Math.max(...values) <= 1 ? 1 : undefined,
          ticks: {
            font: { size: FONT_SIZES.tick },
            callback: (value) => {
              const number = Number(value);
              if (log) return logTickLabel(number);
              return percent ? formatPercent(number, 0) : String(Number(number.toPrecision(6)));
            },
          },
        },
      },
    },
  };
}

/** Draws the series as a PNG (default 1200x600); throws `ReportInputError` for an empty or malformed input. */
export async function renderLineChart(input: LineChartInput, options: PlotOptions = {}): Promise<Buffer> {
  return renderChartPng(lineChartConfig(input), plotSize(options, DEFAULT_SIZE));
}
