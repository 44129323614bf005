/**
 * The only module that touches chartjs-node-canvas: one renderer per canvas size, each with the report font,
 * a white background, no animation and the chartjs-chart-matrix plugin registered once when it is created.
 */
import type { ChartConfiguration, ChartType } from 'chart.js';
import type {} from 'chartjs-chart-matrix';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import { CHART_COLORS } from './palette';
import { registerLabelFont } from '@a2d/augment';
import { ReportInputError } from './report-input-error';

/** Canvas size of one chart, in pixels. */
export interface ChartSize {
  width: number;
  height: number;
}

/** Largest side a chart may have; larger canvases are almost always a units mistake. */
export const MAX_CHART_SIDE = 8000;

// chartjs-node-canvas gives every instance its own Chart.js copy, so plugins and defaults are set per size.
const renderers = new Map<string, ChartJSNodeCanvas>();

function rendererFor({ width, height }: ChartSize): ChartJSNodeCanvas {
  const key = `${width}x${height}`;
  let renderer = renderers.get(key);
  if (!renderer) {
    const family = registerLabelFont();
    renderer = new ChartJSNodeCanvas({
      width,
      height,
      backgroundColour: CHART_COLORS.background,
      plugins: { modern: ['chartjs-chart-matrix'] },
      chartCallback: (chart) => {
        chart.defaults.font.family = family;
        chart.defaults.color = CHART_COLORS.text;
        chart.defaults.borderColor = CHART_COLORS.grid;
        chart.defaults.animation = false;
        chart.defaults.responsive = false;
        chart.defaults.maintainAspectRatio = false;
        chart.defaults.devicePixelRatio = 1;
      },
    });
    renderers.set(key, renderer);
  }
  return renderer;
}

/** Renders one Chart.js configuration to a PNG of exactly `size` pixels. */
export async function renderChartPng<Type extends ChartType>(config: ChartConfiguration<Type>, size: ChartSize): Promise<Buffer> {
  for (const side of ['width', 'height'] as const) {
    const value = size[side];
    if (!Number.isInteger(value) || value < 50 || value > MAX_CHART_SIDE) {
      throw new ReportInputError(`options.${side}`, `expected an integer in 50..${MAX_CHART_SIDE} pixels, got ${value}`);
    }
  }
  return rendererFor(size).renderToBuffer(config as unknown as ChartConfiguration, 'image/png');
}

/** Optional canvas size of a plot; each plot has its own default. */
export type PlotOptions = Partial<ChartSize>;

/** The size a plot is drawn at: the caller's where given, else the plot's default. */
export function plotSize(options: PlotOptions, defaults: ChartSize): ChartSize {
  return { width: options.width ?? defaults.width, height: options.height ?? defaults.height };
}
