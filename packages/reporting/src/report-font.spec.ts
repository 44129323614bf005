import { existsSync } from 'node:fs';
import { REPORT_FONT_FAMILY, REPORT_FONT_FILES, registerReportFont } from './report-font';

describe('registerReportFont', () => {
  it('registers the DejaVu Sans files once and returns the family plots ask for', () => {
    for (const file of Object.values(REPORT_FONT_FILES)) expect(existsSync(file)).toBe(true);
    expect(registerReportFont()).toBe(REPORT_FONT_FAMILY);
    expect(registerReportFont()).toBe(REPORT_FONT_FAMILY);
  });
});

describe('a missing font file', () => {
  afterEach(() => jest.dontMock('node:fs'));

  it('fails with ReportFontError naming the file and the Debian package', () => {
    jest.isolateModules(() => {
      jest.doMock('node:fs', () => ({ existsSync: () => false }));
      // Loaded fresh so the mocked file system is seen and nothing is registered yet.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('./report-font') as typeof import('./report-font');
      expect(() => fresh.registerReportFont()).toThrow(fresh.ReportFontError);
      expect(() => fresh.registerReportFont()).toThrow(/DejaVuSans\.ttf: font file not found \(install the Debian package fonts-dejavu-core/);
    });
  });
});
