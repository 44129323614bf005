/**
 * Confusion matrices as labelled heatmaps (chartjs-chart-matrix): true classes down, predicted across, the count
 * or row share printed in each cell. Cells are shaded by their share of the true class, blue on the diagonal
 * (correct) and vermillion off it (confused), so the diagonal stands out whatever the class sizes.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import { z } from 'zod';
import { plotSize, renderChartPng, type PlotOptions } from './chart-renderer';
import { axisTitle, canvasFont, FONT_SIZES, titlePlugins } from './chart-text';
import { heatmapCellColor, heatmapTextColor } from './palette';
import { parseReportInput, ReportInputError } from './report-input-error';

/** A confusion matrix: `counts[t][p]` = videos of true class `trueLabels[t]` predicted as `predictedLabels[p]`. */
export interface ConfusionMatrixInput {
  title: string;
  /** Row classes, e.g. the 8 actions, 7 actors or 36 `adult-climbing`-style pairs. */
  trueLabels: readonly string[];
  /** Column classes (default: `trueLabels`); may add columns such as `invalid pair`. */
  predictedLabels?: readonly string[];
  counts: readonly (readonly number[])[];
}

/** How a confusion matrix is drawn. */
export interface ConfusionMatrixOptions extends PlotOptions {
  /** `none`: counts in the cells (default); `row`: each row's shares (recall on the diagonal). */
  normalize?: 'none' | 'row';
  /** Cell text size in px (default 15 up to 12 classes, else 10). */
  cellFontSize?: number;
}

const labelsSchema = z.array(z.string().min(1)).min(1, 'expected at least one class');
const inputSchema = z.object({
  title: z.string().min(1, 'expected a title'),
  trueLabels: labelsSchema,
  predictedLabels: labelsSchema.optional(),
  counts: z.array(z.array(z.number().int('expected whole counts').nonnegative('expected counts >= 0'))),
});

interface Cell {
  x: string;
  y: string;
  share: number;
  text: string;
  diagonal: boolean;
}

function assertUnique(labels: readonly string[], argument: string): void {
  const seen = new Set<string>();
  for (const label of labels) {
    if (seen.has(label)) throw new ReportInputError(argument, `duplicate class "${label}"`);
    seen.add(label);
  }
}

/** Default canvas: about 80 px per cell for small matrices, 38 px for the 36-pair one, plus room for labels. */
function defaultSize(rows: number, columns: number, longestLabel: number): { width: number; height: number } {
  const cell = Math.max(rows, columns) <= 12 ? 80 : 38;
  const labelRoom = Math.round(longestLabel * 8.5) + 90;
  return { width: columns * cell + labelRoom + 80, height: rows * cell + labelRoom + 110 };
}

/** Draws the cell texts after the matrix; only the centre of each element is needed, so any layout works. */
function cellTextPlugin(cells: readonly Cell[], fontSize: number): Plugin<'matrix'> {
  return {
    id: 'a2dConfusionCellText',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      ctx.save();
      ctx.font = canvasFont(fontSize);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      chart.getDatasetMeta(0).data.forEach((element, index) => {
        const cell = cells[index];
        if (!cell || cell.text === '') return;
        const { x, y, width, height } = element.getProps(['x', 'y', 'width', 'height']) as Record<string, number>;
        ctx.fillStyle = heatmapTextColor(cell.share);
        ctx.fillText(cell.text, x + width / 2, y + height / 2);
      });
      ctx.restore();
    },
  };
}

/** Renders the heatmap PNG; throws `ReportInputError` for an empty, ragged or negative matrix. */
export async function renderConfusionMatrix(input: ConfusionMatrixInput, options: ConfusionMatrixOptions = {}): Promise<Buffer> {
  const parsed = parseReportInput(inputSchema, input, 'input');
  const rowsLabels = parsed.trueLabels;
  const columnLabels = parsed.predictedLabels ?? parsed.trueLabels;
  assertUnique(rowsLabels, 'input.trueLabels');
  assertUnique(columnLabels, 'input.predictedLabels');
  if (parsed.counts.length !== rowsLabels.length) {
    throw new ReportInputError('input.counts', `expected ${rowsLabels.length} rows (one per true class), got ${parsed.counts.length}`);
  }
  parsed.counts.forEach((row, index) => {
    if (row.length !== columnLabels.length) {
      throw new ReportInputError(`input.counts.${index}`, `expected ${columnLabels.length} columns (one per predicted class), got ${row.length}`);
    }
  });

  const normalize = options.normalize ?? 'none';
  const large = Math.max(rowsLabels.length, columnLabels.length) > 12;
  const supports = parsed.counts.map((row) => row.reduce((sum, count) => sum + count, 0));
  const total = supports.reduce((sum, count) => sum + count, 0);
  const cells: Cell[] = [];
  parsed.counts.forEach((row, t) => {
    row.forEach((count, p) => {
      const share = supports[t] > 0 ? count / supports[t] : 0;
      let text = normalize === 'row' ? share.toFixed(2) : String(count);
      // An empty cell of a big matrix reads as zero; printing thousands of zeros would hide the errors.
      if (count === 0 && (large || supports[t] === 0)) text = '';
      cells.push({ x: columnLabels[p], y: rowsLabels[t], share, text, diagonal: columnLabels[p] === rowsLabels[t] });
    });
  });

  const yTicks = rowsLabels.map((label, t) => `${label} (n=${supports[t]})`);
  const longest = Math.max(...yTicks.map((label) => label.length), ...columnLabels.map((label) => label.length));
  const size = plotSize(options, defaultSize(rowsLabels.length, columnLabels.length, longest));
  const fontSize = options.cellFontSize ?? (large ? 10 : 15);
  const tickFont = { size: large ? 11 : FONT_SIZES.tick };
  const subtitle =
    (normalize === 'row' ? 'share of each true class (rows sum to 1)' : 'video counts') +
    ` - ${total} videos; shade: share of the true class, blue = correct, vermillion = confused`;

  const config: ChartConfiguration<'matrix'> = {
    type: 'matrix',
    data: {
      datasets: [
        {
          label: parsed.title,
          data: cells.map((cell) => ({ x: cell.x, y: cell.y, v: cell.share })),
          backgroundColor: cells.map((cell) => heatmapCellColor(cell.share, cell.diagonal)),
          borderColor: '#ffffff',
          borderWidth: 1,
          width: ({ chart }) => (chart.chartArea?.width ?? 0) / columnLabels.length,
          height: ({ chart }) => (chart.chartArea?.height ?? 0) / rowsLabels.length,
        },
      ],
    },
    options: {
      layout: { padding: { left: 8, right: 24, top: 4, bottom: 8 } },
      plugins: { ...titlePlugins(parsed.title, subtitle), legend: { display: false }, tooltip: { enabled: false } },
      scales: {
        x: {
          type: 'category',
          labels: [...columnLabels],
          offset: true,
          position: 'bottom',
          grid: { display: false },
          title: axisTitle('predicted'),
          ticks: { autoSkip: false, maxRotation: 90, minRotation: large ? 90 : 0, font: tickFont },
        },
        y: {
          type: 'category',
          labels: [...rowsLabels],
          // First class on top (the matrix plugin reverses y by default), so the diagonal runs top-left to bottom-right.
          reverse: false,
          offset: true,
          grid: { display: false },
          title: axisTitle('true'),
          ticks: { autoSkip: false, font: tickFont, callback: (_value, index) => yTicks[index] },
        },
      },
    },
    plugins: [cellTextPlugin(cells, fontSize)],
  };
  return renderChartPng(config, size);
}
