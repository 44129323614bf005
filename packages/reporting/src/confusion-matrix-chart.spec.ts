import { ACTORS, VIDEO_ACTIONS, VIDEO_LEVEL_LABELS, labelName } from '@a2d/core';
import { renderConfusionMatrix } from './confusion-matrix-chart';
import { ReportInputError } from './report-input-error';
import { countPixels, expectChartPng, pngHeader } from './testing/png-pixels';

// Saturated ends of the two hues: diagonal blue rgb(0,90,170), off-diagonal vermillion rgb(213,94,0).
const isBlue = (r: number, _g: number, b: number) => b > 150 && r < 60;
const isVermillion = (r: number, g: number, b: number) => r > 180 && b < 60 && g < 140;

function matrix(size: number, cell: (t: number, p: number) => number): number[][] {
  return Array.from({ length: size }, (_, t) => Array.from({ length: size }, (_, p) => cell(t, p)));
}

describe('renderConfusionMatrix', () => {
  it('draws the 8x8 action matrix with the diagonal in blue and no confusion colour when all are right', async () => {
    const png = await renderConfusionMatrix({ title: 'action', trueLabels: VIDEO_ACTIONS, counts: matrix(8, (t, p) => (t === p ? 10 + t : 0)) });
    const decoded = await expectChartPng(png, pngHeader(png).width, pngHeader(png).height);
    expect(decoded.width).toBeGreaterThanOrEqual(800);
    expect(countPixels(decoded, isBlue)).toBeGreaterThan(8 * 40 * 40);
    expect(countPixels(decoded, isVermillion)).toBe(0);
  });

  it('shades confusions in vermillion, row-normalised or not, at a given size', async () => {
    const counts = matrix(7, (t, p) => (p === (t + 1) % 7 ? 9 : t === p ? 1 : 0));
    for (const normalize of ['none', 'row'] as const) {
      const png = await renderConfusionMatrix({ title: 'actor', trueLabels: ACTORS, counts }, { normalize, width: 700, height: 650 });
      const decoded = await expectChartPng(png, 700, 650);
      expect(countPixels(decoded, isVermillion)).toBeGreaterThan(7 * 30 * 30);
    }
  });

  it('draws the 36-pair joint matrix large enough to read (> 1500 px)', async () => {
    const labels = VIDEO_LEVEL_LABELS.map(labelName);
    const png = await renderConfusionMatrix({ title: 'pairs', trueLabels: labels, counts: matrix(36, (t, p) => (t === p ? 20 : p === t + 1 ? 2 : 0)) });
    const { width, height } = pngHeader(png);
    expect(width).toBeGreaterThan(1500);
    expect(height).toBeGreaterThan(1500);
    await expectChartPng(png, width, height);
  });

  it('takes extra predicted columns (e.g. invalid pairs)', async () => {
    const png = await renderConfusionMatrix(
      { title: 'x', trueLabels: ['a', 'b'], predictedLabels: ['a', 'b', 'invalid'], counts: [[3, 0, 1], [0, 2, 2]] },
      { width: 500, height: 400 },
    );
    await expectChartPng(png, 500, 400);
  });

  it('rejects empty, ragged, negative or duplicate-class input with a typed error', async () => {
    await expect(renderConfusionMatrix({ title: 'x', trueLabels: [], counts: [] })).rejects.toThrow(new ReportInputError('input.trueLabels', 'expected at least one class'));
    await expect(renderConfusionMatrix({ title: 'x', trueLabels: ['a', 'b'], counts: [[1, 0]] })).rejects.toThrow(/input\.counts: expected 2 rows/);
    await expect(renderConfusionMatrix({ title: 'x', trueLabels: ['a', 'b'], counts: [[1, 0], [1]] })).rejects.toThrow(/input\.counts\.1: expected 2 columns/);
    await expect(renderConfusionMatrix({ title: 'x', trueLabels: ['a'], counts: [[-1]] })).rejects.toThrow(/input\.counts\.0\.0: expected counts >= 0/);
    await expect(renderConfusionMatrix({ title: 'x', trueLabels: ['a', 'a'], counts: [[1, 0], [0, 1]] })).rejects.toThrow(/duplicate class "a"/);
  });
});
