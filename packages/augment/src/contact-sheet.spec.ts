import { createClip, type Clip } from '@a2d/core';
import { GLYPH_HEIGHT } from './bitmap-font';
import { renderContactSheet } from './contact-sheet';

function solidClip(numFrames: number, height: number, width: number, shade: (t: number) => number): Clip {
  const clip = createClip(numFrames, height, width);
  for (let t = 0; t < numFrames; t++) clip.data.fill(shade(t), t * height * width * 3, (t + 1) * height * width * 3);
  return clip;
}

describe('renderContactSheet', () => {
  const rows = [
    { label: 'vid_01 adult-climbing', clip: solidClip(3, 10, 16, (t) => 50 + t) },
    { label: 'augmented', clip: solidClip(3, 8, 8, (t) => 100 + t) },
  ];
  const options = { fontScale: 1, separator: 2, padding: 3 };
  const sheet = renderContactSheet(rows, options);
  const caption = GLYPH_HEIGHT + 2 * 3;
  const at = (x: number, y: number) => Array.from(sheet.rgb.subarray((y * sheet.width + x) * 3, (y * sheet.width + x) * 3 + 3));

  it('sizes the sheet to its widest row and stacks caption + frames per row', () => {
    // Row 1: 3 frames of 16 px with 2 separators = 52 wide, caption 21 chars = 125 px wide: the caption wins.
    expect(sheet.width).toBe(3 + 125 + 3);
    expect(sheet.height).toBe(caption + 10 + 3 + 2 + caption + 8 + 3);
    expect(sheet.rgb.length).toBe(sheet.width * sheet.height * 3);
  });

  it('places each frame left to right with separators between them', () => {
    for (let t = 0; t < 3; t++) {
      expect(at(3 + t * 18, caption)).toEqual([50 + t, 50 + t, 50 + t]);
      expect(at(3 + t * 18 + 15, caption + 9)).toEqual([50 + t, 50 + t, 50 + t]);
    }
    expect(at(3 + 16, caption)).toEqual([110, 110, 110]);
    const secondRow = caption + 10 + 3 + 2 + caption;
    expect(at(3, secondRow)).toEqual([100, 100, 100]);
    expect(at(3 + 2 * 10, secondRow + 7)).toEqual([102, 102, 102]);
    expect(at(0, caption + 10 + 3)).toEqual([110, 110, 110]);
  });

  it('draws the captions in the text colour inside the caption band only', () => {
    let ink = 0;
    for (let y = 0; y < caption; y++) for (let x = 0; x < sheet.width; x++) if (at(x, y)[0] === 245) ink++;
    expect(ink).toBeGreaterThan(50);
    for (let y = caption; y < caption + 10; y++) for (let x = 0; x < sheet.width; x++) expect(at(x, y)[0]).not.toBe(245);
  });

  it('keeps at most maxFrames frames per row', () => {
    expect(renderContactSheet([{ label: '', clip: rows[0].clip }], { ...options, maxFrames: 2 }).width).toBe(3 + 16 * 2 + 2 + 3);
  });
});
