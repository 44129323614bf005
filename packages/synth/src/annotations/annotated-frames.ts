/**
 * Which frames of a clip get annotations. A2D annotates a handful of frames spread over each clip (the
 * `numAnnotatedFrames` column of videoset.csv counts them); here the clip is cut into that many equal segments and
 * each segment contributes its middle frame, or the frame nearest to it where the labelled actor is visible.
 */

/** Frame indices (0-based) of segment `segment` of `count` equal segments of a clip of `numFrames`, first to last. */
export function annotationSegment(numFrames: number, count: number, segment: number): { first: number; last: number } {
  if (!Number.isInteger(count) || count < 1 || count > numFrames) throw new RangeError(`cannot annotate ${count} of ${numFrames} frames`);
  if (!Number.isInteger(segment) || segment < 0 || segment >= count) throw new RangeError(`segment ${segment} outside 0..${count - 1}`);
  return { first: Math.floor((segment * numFrames) / count), last: Math.floor(((segment + 1) * numFrames) / count) - 1 };
}

/** The frames of a segment, nearest to its middle first (ties: the earlier frame). */
export function segmentFramesByPreference(numFrames: number, count: number, segment: number): number[] {
  const { first, last } = annotationSegment(numFrames, count, segment);
  const middle = Math.floor((first + last) / 2);
  const frames: number[] = [];
  for (let i = first; i <= last; i++) frames.push(i);
  return frames.sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle) || a - b);
}

/** The middle frame (0-based) of each of `count` equal segments of a clip of `numFrames`: evenly spread, all distinct. */
export function annotatedFrameIndices(numFrames: number, count: number): number[] {
  return Array.from({ length: count }, (_, segment) => segmentFramesByPreference(numFrames, count, segment)[0]);
}
