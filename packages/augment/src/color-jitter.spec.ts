import { Rng, createClip, type Clip } from '@a2d/core';
import { adjustClipColor, colorJitter, drawColorJitter, type ColorJitterParams } from './color-jitter';
import { stepTransform } from './clip-transform';

function noiseClip(seed: number): Clip {
  const clip = createClip(3, 6, 7);
  const rng = new Rng(seed);
  for (let i = 0; i < clip.data.length; i++) clip.data[i] = rng.int(0, 255);
  return clip;
}

const identity: ColorJitterParams = {
  order: ['brightness', 'contrast', 'saturation', 'hue'],
  brightness: 1,
  contrast: 1,
  saturation: 1,
  hue: 0,
};

function rgbClip(pixels: [number, number, number][]): Clip {
  const clip = createClip(1, 1, pixels.length);
  pixels.forEach((p, i) => clip.data.set(p, i * 3));
  return clip;
}

describe('colour jitter', () => {
  it('leaves the clip byte-identical with identity factors', () => {
    const clip = noiseClip(1);
    expect(adjustClipColor(clip, identity).data).toEqual(clip.data);
  });

  it('draws nothing to do when every strength is 0, so the clip is unchanged', () => {
    const options = { prob: 1, brightness: 0, contrast: 0, saturation: 0, hue: 0, randomOrder: true };
    expect(drawColorJitter(new Rng(4), options)).toBeNull();
    const clip = noiseClip(2);
    expect(stepTransform(colorJitter(options))(clip, new Rng(4)).data).toEqual(clip.data);
  });

  it('draws factors inside [1 - x, 1 + x] and hue inside [-h, h], in a shuffled order', () => {
    const options = { prob: 1, brightness: 0.3, contrast: 0.2, saturation: 0.5, hue: 0.1, randomOrder: true };
    const orders = new Set<string>();
    for (let seed = 0; seed < 100; seed++) {
      const params = drawColorJitter(new Rng(seed), options) as ColorJitterParams;
      expect(Math.abs(params.brightness - 1)).toBeLessThanOrEqual(0.3);
      expect(Math.abs(params.contrast - 1)).toBeLessThanOrEqual(0.2);
      expect(Math.abs(params.saturation - 1)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(params.hue)).toBeLessThanOrEqual(0.1);
      expect([...params.order].sort()).toEqual(['brightness', 'contrast', 'hue', 'saturation']);
      orders.add(params.order.join());
    }
    expect(orders.size).toBeGreaterThan(5);
  });

  it('scales brightness and clamps at 255', () => {
    const out = adjustClipColor(rgbClip([[100, 50, 200]]), { ...identity, order: ['brightness'], brightness: 1.5 });
    expect([...out.data]).toEqual([150, 75, 255]);
  });

  it('turns the image grey at saturation 0 (torchvision luma weights)', () => {
    const out = adjustClipColor(rgbClip([[200, 100, 50]]), { ...identity, order: ['saturation'], saturation: 0 });
    const grey = Math.round(0.2989 * 200 + 0.587 * 100 + 0.114 * 50);
    expect([...out.data]).toEqual([grey, grey, grey]);
  });

  it('flattens each frame to its own mean grey at contrast 0', () => {
    const clip = createClip(2, 1, 2);
    clip.data.set([0, 0, 0, 100, 100, 100, 200, 200, 200, 200, 200, 200]);
    const out = adjustClipColor(clip, { ...identity, order: ['contrast'], contrast: 0 });
    expect([...out.data]).toEqual([50, 50, 50, 50, 50, 50, 200, 200, 200, 200, 200, 200]);
  });

  it('rotates hue by a third of a turn: red -> green -> blue, grey stays grey', () => {
    const out = adjustClipColor(rgbClip([[255, 0, 0], [0, 255, 0], [90, 90, 90]]), { ...identity, order: ['hue'], hue: 1 / 3 });
    expect([...out.data]).toEqual([0, 255, 0, 0, 0, 255, 90, 90, 90]);
  });

  it('applies the adjustments in the given order', () => {
    const clip = rgbClip([[200, 200, 200], [0, 0, 0]]);
    const brightFirst = adjustClipColor(clip, { ...identity, order: ['brightness', 'contrast'], brightness: 1.5, contrast: 0.5 });
    const contrastFirst = adjustClipColor(clip, { ...identity, order: ['contrast', 'brightness'], brightness: 1.5, contrast: 0.5 });
    // brightness first: [255, 0] (clamped), mean grey ~127.5 -> [191, 64]; contrast first: [150, 50] -> [225, 75].
    expect([brightFirst.data[0], brightFirst.data[3]]).toEqual([191, 64]);
    expect([contrastFirst.data[0], contrastFirst.data[3]]).toEqual([225, 75]);
  });
});
