import { VIDEO_LEVEL_LABELS } from '@a2d/core';
import { VIDEO_LEVEL_PAIRS, videoLevelPairIndex } from './video-level-pairs';

describe('video-level pairs', () => {
  it("lists core's 36 video-level codes with names and indices", () => {
    expect(VIDEO_LEVEL_PAIRS).toHaveLength(36);
    expect(VIDEO_LEVEL_PAIRS.map((pair) => pair.code)).toEqual([...VIDEO_LEVEL_LABELS]);
    expect(VIDEO_LEVEL_PAIRS[0]).toEqual({ code: 11, name: 'adult-climbing', actor: 'adult', action: 'climbing', actorIndex: 0, actionIndex: 0 });
    VIDEO_LEVEL_PAIRS.forEach((pair, index) => expect(videoLevelPairIndex(pair.actorIndex, pair.actionIndex)).toBe(index));
  });

  it('gives -1 for pairs A2D does not have and for out-of-range indices', () => {
    expect(videoLevelPairIndex(2, 2)).toBe(-1); // ball-eating
    expect(videoLevelPairIndex(0, 8)).toBe(-1); // adult-none: not a video-level class
    expect(videoLevelPairIndex(-1, 0)).toBe(-1);
    expect(videoLevelPairIndex(0, 10)).toBe(-1); // would alias code 21 without the range check
    expect(videoLevelPairIndex(7, 0)).toBe(-1);
  });
});
