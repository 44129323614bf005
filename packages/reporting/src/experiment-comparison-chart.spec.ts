import { renderExperimentComparison, type ComparedExperiment } from './experiment-comparison-chart';
import { ReportInputError } from './report-input-error';
import { decodePng, expectChartPng, greyVariance } from './testing/png-pixels';

const curve = (offset: number) => [1, 2, 3, 4].map((epoch) => ({ x: epoch, y: 0.2 * epoch - offset }));
const a: ComparedExperiment = { name: 'baseline', metrics: { action: 0.72, actor: 0.85, combined: 0.65, 'action F1': 0.72 }, curve: curve(0.05) };
const b: ComparedExperiment = { name: 'focal', metrics: { action: 0.74, actor: 0.86, combined: 0.67, 'action F1': null }, curve: curve(0) };

describe('renderExperimentComparison', () => {
  it('puts the metric bars and the curves side by side, both panels drawn', async () => {
    const png = await renderExperimentComparison({ title: 'a vs b', experiments: [a, b] });
    const decoded = await expectChartPng(png, 1400, 640);
    for (const half of [0, 1]) {
      const rgba = new Uint8ClampedArray(700 * 640 * 4);
      for (let y = 0; y < 640; y++) rgba.set(decoded.rgba.subarray((y * 1400 + half * 700) * 4, (y * 1400 + half * 700 + 700) * 4), y * 700 * 4);
      expect(greyVariance({ width: 700, height: 640, rgba })).toBeGreaterThan(100);
    }
  });

  it('draws only the bars, full size, when no experiment has a curve', async () => {
    const png = await renderExperimentComparison({ title: 'a vs b', experiments: [{ ...a, curve: [] }, { ...b, curve: [] }], metricNames: ['combined'] }, { width: 800, height: 500 });
    expect(greyVariance(await decodePng(png))).toBeGreaterThan(100);
    await expectChartPng(png, 800, 500);
  });

  it('needs at least two experiments and metrics in 0..1', async () => {
    await expect(renderExperimentComparison({ title: 'a', experiments: [a] })).rejects.toThrow(new ReportInputError('input.experiments', 'expected at least two experiments to compare'));
    await expect(renderExperimentComparison({ title: 'a', experiments: [a, { ...b, metrics: { action: 74 } }] })).rejects.toThrow(/input\.experiments\.1\.metrics\.action/);
  });
});
