/** A Chart.js plugin that prints each bar's value at its end, so bar charts can be read without a ruler. */
import type { Plugin } from 'chart.js';
import { canvasFont } from './chart-text';
import { CHART_COLORS } from './palette';

/** Prints `format(value, datasetIndex, index)` past the end of every bar (above, or right of horizontal bars). */
export function barValueLabels(format: (value: number, datasetIndex: number, index: number) => string, fontSize: number): Plugin<'bar'> {
  return {
    id: 'a2dBarValueLabels',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      const horizontal = chart.options.indexAxis === 'y';
      ctx.save();
      ctx.font = canvasFont(fontSize);
      ctx.fillStyle = CHART_COLORS.text;
      ctx.textAlign = horizontal ? 'left' : 'center';
      ctx.textBaseline = horizontal ? 'middle' : 'bottom';
      chart.data.datasets.forEach((dataset, datasetIndex) => {
        if (!chart.isDatasetVisible(datasetIndex)) return;
        chart.getDatasetMeta(datasetIndex).data.forEach((element, index) => {
          const value = dataset.data[index];
          if (typeof value !== 'number' || !Number.isFinite(value)) return;
          const { x, y } = element.getProps(['x', 'y']) as Record<string, number>;
          ctx.fillText(format(value, datasetIndex, index), horizontal ? x + 6 : x, horizontal ? y : y - 3);
        });
      });
      ctx.restore();
    },
  };
}
