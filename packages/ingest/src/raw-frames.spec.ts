import { Rng } from '@a2d/core';
import { RawFrameAssembler } from './raw-frames';

describe('RawFrameAssembler', () => {
  it('rebuilds frames from chunks split at arbitrary places', () => {
    const frameSize = 7 * 5 * 3;
    const stream = Uint8Array.from({ length: frameSize * 6 + 40 }, (_, i) => (i * 31) % 251);
    const rng = new Rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const assembler = new RawFrameAssembler(frameSize, 6);
      for (let at = 0; at < stream.length; ) {
        const size = rng.int(1, 300);
        assembler.push(stream.subarray(at, at + size));
        at += size;
      }
      expect(assembler.completeFrames).toBe(6);
      expect(assembler.frames()).toEqual(stream.subarray(0, frameSize * 6));
      expect(assembler.overflowBytes).toBe(40);
    }
  });

  it('does not count a trailing partial frame', () => {
    const assembler = new RawFrameAssembler(10, 3);
    assembler.push(new Uint8Array(25));
    expect(assembler.completeFrames).toBe(2);
    expect(assembler.frames().length).toBe(20);
  });
});
