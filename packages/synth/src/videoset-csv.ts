/**
 * Writes planned clips as A2D's `videoset.csv`: no header, 9 columns (video id, label, start time, end time,
 * height, width, frames, annotated frames, usage 0 = train / 1 = test). The whole clip is the annotated
 * segment, so start is 0 and end is its duration.
 */
import type { PlannedClip } from './dataset-plan';

/** Duration in seconds as written to the CSV (at most 3 decimals, no trailing zeros). */
export function clipDuration(clip: Pick<PlannedClip, 'numFrames' | 'fps'>): number {
  return Number((clip.numFrames / clip.fps).toFixed(3));
}

/** One CSV line (without the newline). */
export function videosetRow(clip: PlannedClip): string {
  return [
    clip.videoId,
    clip.label,
    0,
    clipDuration(clip),
    clip.height,
    clip.width,
    clip.numFrames,
    clip.numAnnotatedFrames,
    clip.usage === 'test' ? 1 : 0,
  ].join(',');
}

/** The whole file, one line per clip in the given order, newline-terminated. */
export function formatVideoset(clips: readonly PlannedClip[]): string {
  return clips.map((clip) => `${videosetRow(clip)}\n`).join('');
}
