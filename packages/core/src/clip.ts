/** The in-memory form of a decoded clip, shared by ingestion and augmentation. */

/** RGB frames of one clip, uint8, laid out `[numFrames, height, width, 3]` (NHWC per frame). */
export interface Clip {
  data: Uint8Array;
  numFrames: number;
  height: number;
  width: number;
}

/** Allocates a zeroed clip of the given size. */
export function createClip(numFrames: number, height: number, width: number): Clip {
  return { data: new Uint8Array(numFrames * height * width * 3), numFrames, height, width };
}

/** Bytes in one frame of the clip. */
export function frameBytes(clip: Pick<Clip, 'height' | 'width'>): number {
  return clip.height * clip.width * 3;
}
