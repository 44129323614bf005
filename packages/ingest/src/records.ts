/** The typed form of one `videoset.csv` row, shared by parsing, splitting, statistics and loading. */
import path from 'node:path';
import type { ActionName, ActorName } from '@a2d/core';

/** Which A2D split a row belongs to (usage column: 0 = train, 1 = test). */
export type Usage = 'train' | 'test';

/** One validated row of `videoset.csv`. */
export interface VideoRecord {
  /** YouTube-style id; the clip is `<root>/clips320H/<videoId>.mp4`. */
  videoId: string;
  /** Label code, 10 * actorId + actionId. */
  label: number;
  /** 1-based actor id (1..7). */
  actorId: number;
  /** 1-based action id (1..9; 9 = none). */
  actionId: number;
  actor: ActorName;
  action: ActionName;
  /** Start and end time of the annotated segment, in seconds. */
  startTime: number;
  endTime: number;
  height: number;
  width: number;
  numFrames: number;
  numAnnotatedFrames: number;
  usage: Usage;
  /** 1-based line of the row in its CSV file (for error messages). */
  line: number;
}

/** Path of a record's clip under a dataset root. */
export function clipPath(root: string, clipsDir: string, videoId: string): string {
  return path.join(root, clipsDir, `${videoId}.mp4`);
}
