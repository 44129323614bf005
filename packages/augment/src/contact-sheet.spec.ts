import { createCanvas, loadImage } from 'canvas';
import { createClip, type Clip } from '@a2d/core';
import { AugmentInputError } from './augment-input-error';
import { renderContactSheet } from './contact-sheet';

function solidClip(numFrames: number, height: number, width: number, shade: (t: number) => number): Clip {
  const clip = createClip(numFrames, height, width);
  for (let t = 0; t < numFrames; t++) clip.data.fill(shade(t), t * height * width * 3, (t + 1) * height * width * 3);
  return clip;
}

/** Decodes the sheet's PNG as a viewer would and returns an RGB pixel reader. */
async function decode(png: Buffer): Promise<{ width: number; height: number; at: (x: number, y: number) => number[] }> {
  const image = await loadImage(png);
  const context = createCanvas(image.width, image.height).getContext('2d');
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, image.width, image.height);
  const at = (x: number, y: number) => Array.from(data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 3));
  return { width: image.width, height: image.height, at };
}

describe('renderContactSheet', () => {
  const rows = [
    { label: 'vid_01 adult-climbing', clip: solidClip(3, 10, 16, (t) => 50 + t) },
    { label: 'augmented', clip: solidClip(3, 8, 8, (t) => 100 + t) },
  ];
  const options = { fontSize: 12, separator: 2, padding: 3 };
  const sheet = renderContactSheet(rows, options);
  const caption = 12 + 2 * 3;

  it('encodes a PNG as wide as its widest row or caption, with caption + frames per row', async () => {
    expect(sheet.png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // Row 1: 3 frames of 16 px with 2 separators = 52 px; its 21-character caption at 12 px is wider.
    expect(sheet.width).toBeGreaterThan(3 + 52 + 3 + 60);
    expect(sheet.height).toBe(caption + 10 + 3 + 2 + caption + 8 + 3);
    const decoded = await decode(sheet.png);
    expect([decoded.width, decoded.height]).toEqual([sheet.width, sheet.height]);
  });

  it('places each frame left to right with separators between them, pixel exact', async () => {
    const { at } = await decode(sheet.png);
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

  it('draws the captions as text inside the caption band only', async () => {
    const { width, at } = await decode(sheet.png);
    const ink = (y0: number, y1: number) => {
      let count = 0;
      for (let y = y0; y < y1; y++) for (let x = 0; x < width; x++) if (at(x, y)[0] > 200) count++;
      return count;
    };
    expect(ink(0, caption)).toBeGreaterThan(100);
    expect(ink(caption, caption + 10)).toBe(0);
  });

  it('keeps at most maxFrames frames per row', () => {
    expect(renderContactSheet([{ label: '', clip: rows[0].clip }], { ...options, maxFrames: 2 }).width).toBe(3 + 16 * 2 + 2 + 3);
  });

  it('is deterministic and rejects a clip of the wrong shape', () => {
    expect(renderContactSheet(rows, options).png.equals(sheet.png)).toBe(true);
    const broken = { ...rows[0].clip, data: new Uint8Array(5) };
    expect(() => renderContactSheet([{ label: 'x', clip: broken }])).toThrow(AugmentInputError);
  });
});
