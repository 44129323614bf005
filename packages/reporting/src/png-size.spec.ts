import { isPng, readPngSize } from './png-size';
import { ReportInputError } from './report-input-error';
import { renderChartPng } from './chart-renderer';

describe('readPngSize', () => {
  it('reads the IHDR size of a PNG', async () => {
    const png = await renderChartPng({ type: 'bar', data: { datasets: [] } }, { width: 123, height: 77 });
    expect(isPng(png)).toBe(true);
    expect(readPngSize(png)).toEqual({ width: 123, height: 77 });
    expect(readPngSize(new Uint8Array(png))).toEqual({ width: 123, height: 77 });
  });

  it('rejects bytes that are not a PNG', () => {
    expect(isPng(Buffer.from('GIF89a'))).toBe(false);
    expect(() => readPngSize(Buffer.from('not a png at all, really not'), 'plot')).toThrow(new ReportInputError('plot', 'not a PNG image (no PNG signature and IHDR chunk)'));
  });
});
