import { renderChartPng } from './chart-renderer';
import { ReportInputError } from './report-input-error';
import { decodePng, expectChartPng, greyVariance } from './testing/png-pixels';

describe('renderChartPng', () => {
  it('renders a Chart.js config to a PNG of exactly the requested size', async () => {
    const png = await renderChartPng({ type: 'bar', data: { labels: ['a', 'b'], datasets: [{ label: 'n', data: [1, 3] }] } }, { width: 320, height: 200 });
    await expectChartPng(png, 320, 200);
  });

  it('paints a white background (an empty chart is blank, not transparent)', async () => {
    const png = await renderChartPng({ type: 'bar', data: { labels: [], datasets: [] }, options: { scales: { x: { display: false }, y: { display: false } } } }, { width: 100, height: 80 });
    const decoded = await decodePng(png);
    expect(greyVariance(decoded)).toBeLessThan(1);
    expect(Array.from(decoded.rgba.subarray(0, 4))).toEqual([255, 255, 255, 255]);
  });

  it('rejects sizes that are not whole pixels in range', async () => {
    await expect(renderChartPng({ type: 'bar', data: { datasets: [] } }, { width: 0, height: 100 })).rejects.toThrow(ReportInputError);
    await expect(renderChartPng({ type: 'bar', data: { datasets: [] } }, { width: 100, height: 10.5 })).rejects.toThrow(/options\.height/);
  });
});
