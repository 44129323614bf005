import { Rng, createClip } from '@a2d/core';
import { stepTransform } from './clip-transform';
import { flipClipHorizontally, horizontalFlip } from './horizontal-flip';

describe('horizontal flip', () => {
  const clip = createClip(2, 3, 5);
  for (let i = 0; i < clip.data.length; i++) clip.data[i] = i % 251;

  it('mirrors every pixel (all three channels) of every frame', () => {
    const out = flipClipHorizontally(clip);
    for (let t = 0; t < 2; t++) {
      for (let y = 0; y < 3; y++) {
        for (let x = 0; x < 5; x++) {
          for (let c = 0; c < 3; c++) {
            expect(out.data[((t * 3 + y) * 5 + x) * 3 + c]).toBe(clip.data[((t * 3 + y) * 5 + (4 - x)) * 3 + c]);
          }
        }
      }
    }
  });

  it('flips with probability 1 and never with probability 0, leaving the input alone', () => {
    const copy = clip.data.slice();
    expect(stepTransform(horizontalFlip(1))(clip, new Rng(1)).data).toEqual(flipClipHorizontally(clip).data);
    expect(stepTransform(horizontalFlip(0))(clip, new Rng(1)).data).toEqual(copy);
    expect(clip.data).toEqual(copy);
  });
});
