import { FONT_CHARACTERS, GLYPH_HEIGHT, GLYPH_WIDTH, drawText, glyphOf, measureText } from './bitmap-font';
import { createRgbImage } from './rgb-image';

describe('bitmap font', () => {
  it('covers letters of both cases, digits and the label punctuation', () => {
    const required = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_: ';
    for (const character of required) expect(FONT_CHARACTERS).toContain(character);
  });

  it('gives every character its own bitmap, and ink to all but the space', () => {
    const seen = new Map<string, string>();
    for (const character of FONT_CHARACTERS) {
      const key = glyphOf(character).join('');
      expect(seen.get(key)).toBeUndefined();
      seen.set(key, character);
      if (character !== ' ') expect(glyphOf(character).some((cell) => cell === 1)).toBe(true);
    }
  });

  it('draws glyph cells as scale x scale squares at the pen position', () => {
    const image = createRgbImage(20, 20, [0, 0, 0]);
    drawText(image, 'T', 2, 3, 2, [255, 0, 0]);
    const glyph = glyphOf('T');
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 20; x++) {
        const gx = Math.floor((x - 2) / 2);
        const gy = Math.floor((y - 3) / 2);
        const ink = gx >= 0 && gx < GLYPH_WIDTH && gy >= 0 && gy < GLYPH_HEIGHT && glyph[gy * GLYPH_WIDTH + gx] === 1;
        expect(image.rgb[(y * 20 + x) * 3]).toBe(ink ? 255 : 0);
      }
    }
  });

  it('draws unknown characters as "?" and measures text without trailing spacing', () => {
    expect(glyphOf('~')).toBe(glyphOf('?'));
    expect(measureText('ab', 1)).toBe(11);
    expect(measureText('', 3)).toBe(0);
  });
});
