/** Which of a videoset's clips exist on disk (reports, and the trainer's "nothing to train on" check). */
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { clipPath, type VideoRecord } from './records';

/** Clips listed in the videoset and absent on disk, and whether the clips folder exists at all. */
export interface ClipAvailability {
  clipsDir: string;
  clipsDirExists: boolean;
  checked: number;
  missingIds: string[];
}

/** Checks which records' clips exist under `root/clipsDir`. */
export async function findMissingClips(records: readonly VideoRecord[], root: string, clipsDir: string): Promise<ClipAvailability> {
  const folder = path.join(root, clipsDir);
  const clipsDirExists = await stat(folder).then(
    (info) => info.isDirectory(),
    () => false,
  );
  const present = clipsDirExists
    ? await Promise.all(records.map((record) => access(clipPath(root, clipsDir, record.videoId)).then(() => true, () => false)))
    : records.map(() => false);
  return {
    clipsDir: folder,
    clipsDirExists,
    checked: records.length,
    missingIds: records.filter((_, index) => !present[index]).map((record) => record.videoId),
  };
}
