import { renderChartPng } from './chart-renderer';
import { ReportInputError } from './report-input-error';
import { composeSideBySide } from './side-by-side';
import { decodePng, pngHeader } from './testing/png-pixels';

describe('composeSideBySide', () => {
  it('places the panels left to right with a gap, as tall as the tallest, on white', async () => {
    const bar = (height: number) =>
      renderChartPng(
        { type: 'bar', data: { labels: ['a'], datasets: [{ label: 'x', data: [1], backgroundColor: '#000000' }] }, options: { plugins: { legend: { display: false } } } },
        { width: 100, height },
      );
    const png = await composeSideBySide([await bar(80), await bar(120)], 10);
    expect(pngHeader(png)).toEqual({ signature: true, width: 210, height: 120 });
    const decoded = await decodePng(png);
    // Below the shorter left panel the canvas stays white.
    const offset = (110 * 210 + 50) * 4;
    expect(Array.from(decoded.rgba.subarray(offset, offset + 3))).toEqual([255, 255, 255]);
  });

  it('rejects no panels and non-PNG panels', async () => {
    await expect(composeSideBySide([])).rejects.toThrow(ReportInputError);
    await expect(composeSideBySide([Buffer.from('nope')])).rejects.toThrow(/panels\.0: not a PNG/);
  });
});
