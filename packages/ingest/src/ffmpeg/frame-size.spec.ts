import { checkRawFrame, checkRawFrameFormat, rawFrameBytes } from './frame-size';

describe('checkRawFrameFormat', () => {
  it('accepts positive integer sizes and a positive frame rate', () => {
    expect(() => checkRawFrameFormat('decodeFrames(a.mp4)', { width: 64, height: 48 })).not.toThrow();
    expect(() => checkRawFrameFormat('encodeRawVideos(a.mp4)', { width: 63, height: 47, fps: 29.97 })).not.toThrow();
  });

  it.each([
    [{ width: 0, height: 48 }, 'width must be a positive integer, got 0'],
    [{ width: 64.5, height: 48 }, 'width must be a positive integer, got 64.5'],
    [{ width: 64, height: -2 }, 'height must be a positive integer, got -2'],
    [{ width: 64, height: Number.NaN }, 'height must be a positive integer, got NaN'],
    [{ width: 64, height: 48, fps: 0 }, 'fps must be a positive number, got 0'],
    [{ width: 64, height: 48, fps: Number.POSITIVE_INFINITY }, 'fps must be a positive number, got Infinity'],
    [{ width: 64, height: 48, fps: undefined }, 'fps must be a positive number, got undefined'],
  ])('%j is a RangeError naming the call and the argument', (format, reason) => {
    expect(() => checkRawFrameFormat('createRawVideoEncoder(out/a.mp4)', format)).toThrow(new RangeError(`createRawVideoEncoder(out/a.mp4): ${reason}`));
  });
});

describe('checkRawFrame', () => {
  it('wants exactly width x height x 3 bytes', () => {
    const format = { width: 4, height: 2 };
    expect(rawFrameBytes(format)).toBe(24);
    expect(() => checkRawFrame('a.mp4', new Uint8Array(24), format)).not.toThrow();
    expect(() => checkRawFrame('a.mp4', new Uint8Array(23), format)).toThrow(new RangeError('a.mp4: frame has 23 bytes, expected 4x2x3 = 24'));
  });
});
