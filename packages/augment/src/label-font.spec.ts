import { existsSync } from 'node:fs';
import { LABEL_FONT_FAMILY, LABEL_FONT_FILES, registerLabelFont } from './label-font';

describe('registerLabelFont', () => {
  it('registers the DejaVu Sans files once and returns the family captions ask for', () => {
    for (const file of Object.values(LABEL_FONT_FILES)) expect(existsSync(file)).toBe(true);
    expect(registerLabelFont()).toBe(LABEL_FONT_FAMILY);
    expect(registerLabelFont()).toBe(LABEL_FONT_FAMILY);
  });

  it('fails with LabelFontError naming the file and the Debian package when the font is missing', () => {
    jest.isolateModules(() => {
      jest.doMock('node:fs', () => ({ existsSync: () => false }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('./label-font') as typeof import('./label-font');
      expect(() => fresh.registerLabelFont()).toThrow(fresh.LabelFontError);
      expect(() => fresh.registerLabelFont()).toThrow(/DejaVuSans\.ttf: font file not found \(install the Debian package fonts-dejavu-core/);
    });
    jest.dontMock('node:fs');
  });
});
