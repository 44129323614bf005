/**
 * `skipped-videos.json`: the videos the training loader could not decode, as its `skipped` list holds them
 * (`[{ videoId, file, reason }]`, earliest first). The trainer rewrites it with every checkpoint and the reporter
 * lists it; both go through this one schema, so the reader accepts exactly what the writer writes.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { DatasetError, parseJsonText, readTextFile, writeJsonAtomic } from '@a2d/core';
import type { SkippedVideo } from '@a2d/ingest';

/** One video left out of training (the loader's `SkippedVideo`). */
export const skippedVideoSchema = z.object({
  videoId: z.string().min(1),
  /** The clip file the loader tried to read. */
  file: z.string(),
  /** Why it could not be read (the probe's or the decoder's words). */
  reason: z.string(),
});

/** The whole file: a JSON array of `skippedVideoSchema` entries. */
export const skippedVideosFileSchema = z.array(skippedVideoSchema);

/** `videos` validated; the first problem is a `DatasetError` naming `file` and the field (`2.reason`). */
function validated(videos: unknown, file: string, context: string): SkippedVideo[] {
  const parsed = skippedVideosFileSchema.safeParse(videos);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new DatasetError(file, `${context}${issue?.message ?? 'invalid'}`, undefined, issue?.path.join('.'));
}

/** Writes `skipped-videos.json` atomically (temp file + rename); an entry that breaks the schema is refused first. */
export async function writeSkippedVideos(file: string, videos: readonly SkippedVideo[]): Promise<void> {
  await writeJsonAtomic(file, validated(videos, file, 'refusing to write an invalid skipped-videos list: '));
}

/**
 * Reads `skipped-videos.json`: [] when it is absent (no checkpoint written yet, or a run from before it existed);
 * unreadable, invalid JSON or a bad entry is a `DatasetError` naming the file and the field.
 */
export async function readSkippedVideos(file: string): Promise<SkippedVideo[]> {
  if (!existsSync(file)) return [];
  return validated(parseJsonText(await readTextFile(file, 'the skipped-videos list'), file), file, '');
}
