import { lineChartConfig, logTickLabel, renderLineChart, type LineChartInput } from './line-chart';
import { ReportInputError } from './report-input-error';
import { expectChartPng } from './testing/png-pixels';

const input: LineChartInput = {
  title: 'loss',
  xLabel: 'epoch',
  yLabel: 'loss',
  series: [
    { label: 'train', points: [{ x: 1, y: 1 }, { x: 2, y: 0.6 }, { x: 3, y: 0.4 }] },
    { label: 'val', points: [{ x: 1, y: 0.9 }, { x: 2, y: null }, { x: 3, y: 0.5 }], dashed: true },
  ],
};

describe('renderLineChart', () => {
  it('draws the series at the default and at a given size', async () => {
    await expectChartPng(await renderLineChart(input), 1200, 600);
    await expectChartPng(await renderLineChart({ ...input, yScale: 'log' }, { width: 640, height: 360 }), 640, 360);
  });

  it('keeps null points as gaps and dashes the dashed series', () => {
    const config = lineChartConfig(input);
    expect(config.data.datasets[1].data).toEqual([{ x: 1, y: 0.9 }, { x: 2, y: null }, { x: 3, y: 0.5 }]);
    expect(config.data.datasets[1].borderDash).toEqual([8, 5]);
    expect(config.data.datasets[0].borderDash).toEqual([]);
  });

  it('rejects empty or undrawable input with a typed error naming the field', async () => {
    await expect(renderLineChart({ ...input, series: [] })).rejects.toThrow(new ReportInputError('input.series', 'expected at least one series'));
    await expect(renderLineChart({ ...input, title: '' })).rejects.toThrow(/input\.title/);
    await expect(renderLineChart({ ...input, series: [{ label: 'a', points: [{ x: 1, y: null }] }] })).rejects.toThrow(/every point is null/);
    await expect(renderLineChart({ ...input, series: [{ label: 'a', points: [{ x: 1, y: Number.NaN }] }] })).rejects.toThrow(/input\.series\.0\.points\.0\.y/);
    await expect(renderLineChart({ ...input, yScale: 'log', series: [{ label: 'a', points: [{ x: 1, y: 0 }] }] })).rejects.toThrow(/log scale/);
  });
});

describe('logTickLabel', () => {
  it('labels 1, 2, 3 and 5 of each decade only', () => {
    expect([1e-4, 2e-4, 3e-4, 5e-4, 0.01, 1].map(logTickLabel)).toEqual(['1e-4', '2e-4', '3e-4', '5e-4', '1e-2', '1e0']);
    expect([1.5e-4, 2.5e-4, 4e-4, 9e-5].map(logTickLabel)).toEqual(['', '', '', '']);
  });
});
