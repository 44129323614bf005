/**
 * Generates a synthetic A2D dataset on disk: `<out>/clips320H/<id>.mp4` for every planned clip, then
 * `<out>/videoset.csv` last, so a CSV on disk always describes clips that all exist. Clips already present
 * are skipped (each was written atomically, so a present file is complete): an interrupted run resumes, and
 * a rerun with the same options leaves identical output. `synth.json` (written before the first clip) says what the
 * folder holds; generating other options into it is refused, as is generating into a folder that holds a
 * `videoset.csv` without one (real A2D, or a dataset of an earlier generator).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { checkOutputPath, DatasetError, diskFullError, outputPathError, VideoDecodeError, writeFileAtomic, writingOutput, type OutputPathError } from '@a2d/core';
import { GenerationAbortedError, writeClips } from './clip-writer';
import { planDataset, type PlannedClip } from './dataset-plan';
import { DIFFICULTY_REVISIONS } from './difficulty';
import { parseGenerateOptions, type GenerateOptions } from './generate-options';
import { describeSynth, readSynthManifest, sameSynth, SYNTH_MANIFEST_FILE, writeSynthManifest } from './synth-manifest';
import { formatVideoset } from './videoset-csv';

/** Clips encoded by one ffmpeg process, and the most frames such a batch holds in memory (rendered up front). */
const ENCODE_BATCH = 4;
const ENCODE_BATCH_FRAMES = 600;

/** Folder of the clips inside the dataset root (A2D's name). */
export const CLIPS_DIR = 'clips320H';
/** Annotation file inside the dataset root. */
export const VIDEOSET_FILE = 'videoset.csv';

/** Reported after each finished clip. */
export interface GenerateProgress {
  /** Clips finished so far (generated + skipped). */
  done: number;
  total: number;
  generated: number;
  skipped: number;
  /** The clip that just finished and whether it was skipped. */
  videoId: string;
  wasSkipped: boolean;
  elapsedSeconds: number;
}

/** Callbacks and cancellation for `generateDataset`. */
export interface GenerateHooks {
  onProgress?: (progress: GenerateProgress) => void;
  /** Aborting stops new clips and cancels the ones in flight (their partial files are removed). */
  signal?: AbortSignal;
}

/** What a run did. */
export interface GenerateSummary {
  options: GenerateOptions;
  csvFile: string;
  clipsDir: string;
  clips: number;
  generated: number;
  skipped: number;
  /** Total size of the clips on disk, in bytes. */
  clipBytes: number;
  seconds: number;
}

async function isCompleteFile(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() && stat.size > 0;
  } catch {
    return false;
  }
}

/**
 * The `OutputPathError` of a clip that could not be written because of the clips folder: ffmpeg's "No space left
 * on device" (a `VideoDecodeError`, not an errno error) is a full disk; the bytes the rest of the dataset needs are
 * estimated from the clips already written. Undefined when the folder is not to blame.
 */
async function clipsDirError(failure: unknown, clipsDir: string, total: number): Promise<OutputPathError | undefined> {
  const full = failure instanceof VideoDecodeError ? /No space left on device|Disk quota exceeded/i.exec(failure.reason)?.[0] : undefined;
  if (!full) return outputPathError(failure, { path: clipsDir, kind: 'folder' });
  const code = /quota/i.test(full) ? 'EDQUOT' : 'ENOSPC';
  const written = await fs.readdir(clipsDir, { withFileTypes: true }).then(
    (entries) => entries.filter((entry) => entry.isFile() && /^[^.].*\.mp4$/.test(entry.name)).map((entry) => path.join(clipsDir, entry.name)),
    () => [],
  );
  const file = path.basename((failure as VideoDecodeError).file);
  if (written.length === 0) return diskFullError({ path: clipsDir, kind: 'folder', what: `clip ${file}` }, code);
  let bytes = 0;
  for (const clip of written) bytes += (await fs.stat(clip)).size;
  const left = total - written.length;
  const estimate = Math.ceil((bytes / written.length) * left);
  return diskFullError({ path: clipsDir, kind: 'folder', what: `the rest of the dataset (${left} clips, estimated from the ${written.length} written)`, bytes: estimate }, code);
}

/** Generates (or completes) the dataset described by `rawOptions`; see the module comment. */
export async function generateDataset(rawOptions: unknown, hooks: GenerateHooks = {}): Promise<GenerateSummary> {
  const options = parseGenerateOptions(rawOptions);
  checkOutputPath(options.out, 'folder');
  const started = performance.now();
  const clips = planDataset(options.size, options.seed, options.difficulty);
  const clipsDir = path.join(options.out, CLIPS_DIR);
  const manifest = {
    format: 'a2d-synth' as const,
    size: options.size,
    difficulty: options.difficulty,
    revision: DIFFICULTY_REVISIONS[options.difficulty],
    seed: options.seed,
    clips: clips.length,
  };
  const present = await readSynthManifest(options.out);
  if (present && !sameSynth(present, manifest)) {
    throw new DatasetError(
      path.join(options.out, SYNTH_MANIFEST_FILE),
      `this folder holds the synthetic dataset ${describeSynth(present)}, not ${describeSynth(manifest)}: choose another --out or delete the folder`,
    );
  }
  if (!present && existsSync(path.join(options.out, VIDEOSET_FILE))) {
    throw new DatasetError(
      path.join(options.out, VIDEOSET_FILE),
      `this folder already holds a dataset without ${SYNTH_MANIFEST_FILE} (real A2D, or one generated by an earlier version): choose another --out or delete the folder`,
    );
  }
  await writingOutput({ path: clipsDir, kind: 'folder' }, () => fs.mkdir(clipsDir, { recursive: true }));
  if (!present) await writeSynthManifest(options.out, manifest);

  let next = 0;
  let done = 0;
  let generated = 0;
  let skipped = 0;
  let failure: unknown;
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort();
  hooks.signal?.addEventListener('abort', onOuterAbort);
  if (hooks.signal?.aborted) inner.abort();

  const report = (clip: PlannedClip, present: boolean) => {
    done++;
    if (present) skipped++;
    else generated++;
    hooks.onProgress?.({
      done,
      total: clips.length,
      generated,
      skipped,
      videoId: clip.videoId,
      wasSkipped: present,
      elapsedSeconds: (performance.now() - started) / 1000,
    });
  };
  const work = async (batch: readonly PlannedClip[]) => {
    const files = batch.map((clip) => path.join(clipsDir, `${clip.videoId}.mp4`));
    const present = await Promise.all(files.map(isCompleteFile));
    const missing = batch.filter((_clip, i) => !present[i]);
    if (missing.length > 0) await writeClips(missing, files.filter((_file, i) => !present[i]), inner.signal);
    batch.forEach((clip, i) => report(clip, present[i]));
  };
  const worker = async () => {
    while (failure === undefined && !inner.signal.aborted && next < clips.length) {
      // Up to ENCODE_BATCH clips share one ffmpeg process (its start costs as much as encoding a short clip).
      const batch: PlannedClip[] = [];
      let frames = 0;
      while (next < clips.length && batch.length < ENCODE_BATCH && frames < ENCODE_BATCH_FRAMES) {
        batch.push(clips[next]);
        frames += clips[next++].numFrames;
      }
      try {
        await work(batch);
      } catch (error) {
        // The first failure stops everything; the others are its consequences (aborted encoders).
        if (failure === undefined) failure = error;
        inner.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.workers, clips.length) }, worker));
  } finally {
    hooks.signal?.removeEventListener('abort', onOuterAbort);
  }
  if (failure !== undefined) throw (await clipsDirError(failure, clipsDir, clips.length)) ?? failure;
  if (inner.signal.aborted) throw new GenerationAbortedError(options.out);

  const csvFile = path.join(options.out, VIDEOSET_FILE);
  await writeFileAtomic(csvFile, formatVideoset(clips));
  let clipBytes = 0;
  for (const clip of clips) clipBytes += (await fs.stat(path.join(clipsDir, `${clip.videoId}.mp4`))).size;
  return {
    options,
    csvFile,
    clipsDir,
    clips: clips.length,
    generated,
    skipped,
    clipBytes,
    seconds: (performance.now() - started) / 1000,
  };
}
