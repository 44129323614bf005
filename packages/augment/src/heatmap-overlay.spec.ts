import { AugmentInputError, heatColour, IMPORTANCE_BAR_HEIGHT, overlayHeatmaps } from './index';

describe('heatColour', () => {
  it('runs black, red, yellow, white and clamps outside [0, 1]', () => {
    expect(heatColour(0)).toEqual([0, 0, 0]);
    expect(heatColour(1 / 3)).toEqual([255, 0, 0]);
    expect(heatColour(2 / 3)).toEqual([255, 255, 0]);
    expect(heatColour(1)).toEqual([255, 255, 255]);
    expect(heatColour(-1)).toEqual([0, 0, 0]);
    expect(heatColour(2)).toEqual([255, 255, 255]);
  });
});

describe('overlayHeatmaps', () => {
  // Two grey 4x4 frames: the map is 1 on frame 0's top-left pixel, 0 elsewhere.
  const pixels = { data: new Uint8Array(2 * 4 * 4 * 3).fill(100), numFrames: 2, height: 4, width: 4 };
  const maps = new Float32Array(2 * 4 * 4);
  maps[0] = 1;

  it('blends 0.55 of the pixel with 0.45 of the colour', () => {
    const out = overlayHeatmaps(pixels, maps);
    expect([out.numFrames, out.height, out.width]).toEqual([2, 4, 4]);
    expect(Array.from(out.data.subarray(0, 3))).toEqual([170, 170, 170]); // 0.55 * 100 + 0.45 * 255
    expect(Array.from(out.data.subarray(3, 6))).toEqual([55, 55, 55]); // 0.55 * 100 + 0.45 * 0
  });

  it('adds a band under each frame with a bar as long as its importance relative to the largest', () => {
    const out = overlayHeatmaps(pixels, maps, { frameImportance: [0.25, 0.75] });
    expect(out.height).toBe(4 + IMPORTANCE_BAR_HEIGHT);
    const barRow = (t: number) => Array.from({ length: 4 }, (_, x) => out.data[((t * out.height + 5) * 4 + x) * 3]);
    expect(barRow(0)).toEqual([80, 0, 0, 0]);
    expect(barRow(1)).toEqual([80, 80, 80, 80]);
  });

  it('draws box outlines one pixel wide, clipped to the frame', () => {
    const out = overlayHeatmaps(pixels, maps, { boxes: [[], [{ x1: 1, y1: 1, x2: 5, y2: 2, colour: [1, 2, 3] }]] });
    const at = (t: number, x: number, y: number) => Array.from(out.data.subarray(((t * 4 + y) * 4 + x) * 3, ((t * 4 + y) * 4 + x) * 3 + 3));
    expect(at(1, 1, 1)).toEqual([1, 2, 3]);
    expect(at(1, 3, 2)).toEqual([1, 2, 3]);
    expect(at(1, 0, 1)).toEqual([55, 55, 55]);
    expect(at(1, 2, 3)).toEqual([55, 55, 55]);
    expect(at(0, 1, 1)).toEqual([55, 55, 55]);
  });

  it('refuses maps and importance of the wrong length', () => {
    expect(() => overlayHeatmaps(pixels, new Float32Array(3))).toThrow(AugmentInputError);
    expect(() => overlayHeatmaps(pixels, maps, { frameImportance: [1] })).toThrow(/frameImportance: expected 2 values, got 1/);
  });
});
