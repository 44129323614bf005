/**
 * Reassembles fixed-size raw frames from a byte stream whose chunks do not line up with frame boundaries
 * (pipe reads come in 64 KiB pieces; an rgb24 frame is `w * h * 3` bytes).
 */

/** Collects up to `maxFrames` frames of `frameSize` bytes from arbitrary chunks, in arrival order. */
export class RawFrameAssembler {
  private readonly buffer: Uint8Array;
  private filled = 0;
  /** Bytes received beyond `maxFrames` frames (ffmpeg should never send any; counted, not stored). */
  overflowBytes = 0;

  constructor(
    readonly frameSize: number,
    readonly maxFrames: number,
  ) {
    if (!Number.isInteger(frameSize) || frameSize <= 0) throw new RangeError(`frame size must be positive, got ${frameSize}`);
    this.buffer = new Uint8Array(frameSize * maxFrames);
  }

  /** Appends a chunk; bytes past the capacity are dropped and counted in `overflowBytes`. */
  push(chunk: Uint8Array): void {
    const room = this.buffer.length - this.filled;
    const take = Math.min(room, chunk.length);
    this.buffer.set(take === chunk.length ? chunk : chunk.subarray(0, take), this.filled);
    this.filled += take;
    this.overflowBytes += chunk.length - take;
  }

  /** Frames received whole so far (a trailing partial frame does not count). */
  get completeFrames(): number {
    return Math.floor(this.filled / this.frameSize);
  }

  /** The complete frames, back to back (a view, not a copy). */
  frames(): Uint8Array {
    return this.buffer.subarray(0, this.completeFrames * this.frameSize);
  }
}
