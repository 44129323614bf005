/**
 * The checks of raw rgb24 frame sizes that decoding and encoding share, done before ffmpeg starts: a bad size there
 * is a bug of the caller, and ffmpeg would report it as an unreadable filter graph or a broken video instead.
 */

/** The size of raw rgb24 frames and, for a video being written, its frame rate. */
export interface RawFrameFormat {
  /** Frame width in pixels. */
  width: number;
  /** Frame height in pixels. */
  height: number;
  /** Frames per second; checked when the key is present (encoders), absent for decoded frames. */
  fps?: number;
}

/**
 * Throws a `RangeError` naming `where` (the call and its file, e.g. `decodeFrames(a.mp4)`) and the argument at
 * fault unless width and height are positive integers and, when `format` has an `fps` key, fps is a positive number.
 */
export function checkRawFrameFormat(where: string, format: RawFrameFormat): void {
  for (const field of ['width', 'height'] as const) {
    const value = format[field];
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${where}: ${field} must be a positive integer, got ${value}`);
  }
  if ('fps' in format) {
    const { fps } = format;
    if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0) throw new RangeError(`${where}: fps must be a positive number, got ${fps}`);
  }
}

/** Bytes of one rgb24 frame of this size. */
export function rawFrameBytes(format: RawFrameFormat): number {
  return format.width * format.height * 3;
}

/** Throws a `RangeError` naming `file` unless `frame` holds exactly one rgb24 frame of `format`'s size. */
export function checkRawFrame(file: string, frame: Uint8Array, format: RawFrameFormat): void {
  const expected = rawFrameBytes(format);
  if (frame.length !== expected) {
    throw new RangeError(`${file}: frame has ${frame.length} bytes, expected ${format.width}x${format.height}x3 = ${expected}`);
  }
}
