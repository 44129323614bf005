/**
 * Generates a synthetic A2D dataset on disk: `<out>/clips320H/<id>.mp4` for every planned clip with its ground truth
 * in A2D's annotation layout (`<out>/Annotations/{mat,col}/<id>/<frame>.{mat,png}`, `annotations/`), then
 * `<out>/videoset.csv` last, so a CSV on disk always describes clips that all exist. Clips and annotations already
 * present are skipped (each file was written atomically, so a present file is complete): an interrupted run resumes,
 * and a rerun with the same options leaves identical output. `synth.json` (written before the first clip, and again
 * with `annotations: true` at the end) says what the folder holds; generating other options into it is refused, as is
 * generating into a folder that holds a `videoset.csv` without one (real A2D, or a dataset of an earlier generator).
 * A folder of an earlier revision with the same clips is completed: its annotations are added, its clips kept.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { checkOutputPath, DatasetError, diskFullError, OutputPathError, outputPathError, VideoEncodeError, writeFileAtomic, writingOutput } from '@a2d/core';
import { colourAnnotationFolder, matAnnotationFolder } from '@a2d/ingest';
import { hasClipAnnotations, writeClipAnnotations } from './annotations/clip-annotation-writer';
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
 * on device" (a `VideoEncodeError`, not an errno error) is a full disk, and so is one met while writing a clip's
 * annotations (the same disk); the bytes the rest of the dataset needs are estimated from the clips already written,
 * their annotations included. Undefined when the folder is not to blame.
 */
async function clipsDirError(failure: unknown, clipsDir: string, total: number): Promise<OutputPathError | undefined> {
  const full =
    failure instanceof VideoEncodeError
      ? /No space left on device|Disk quota exceeded/i.exec(failure.reason)?.[0]
      : failure instanceof OutputPathError && (failure.code === 'ENOSPC' || failure.code === 'EDQUOT')
        ? failure.code
        : undefined;
  if (!full) return outputPathError(failure, { path: clipsDir, kind: 'folder' });
  const code = /quota/i.test(full) ? 'EDQUOT' : 'ENOSPC';
  const written = await fs.readdir(clipsDir, { withFileTypes: true }).then(
    (entries) => entries.filter((entry) => entry.isFile() && /^[^.].*\.mp4$/.test(entry.name)).map((entry) => entry.name),
    () => [],
  );
  const file = path.basename(failure instanceof VideoEncodeError ? failure.file : (failure as OutputPathError).path);
  if (written.length === 0) return diskFullError({ path: clipsDir, kind: 'folder', what: `clip ${file}` }, code);
  const root = path.dirname(clipsDir);
  let bytes = 0;
  for (const name of written) {
    bytes += (await fs.stat(path.join(clipsDir, name))).size;
    const videoId = name.slice(0, -'.mp4'.length);
    for (const folder of [matAnnotationFolder(root, videoId), colourAnnotationFolder(root, videoId)]) {
      for (const entry of await fs.readdir(folder).catch(() => [] as string[])) bytes += (await fs.stat(path.join(folder, entry))).size;
    }
  }
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
    annotations: false,
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
    // writeClips renders the batch's frames before it first waits: the annotations are drawn while ffmpeg encodes.
    const encoding = missing.length > 0 ? writeClips(missing, files.filter((_file, i) => !present[i]), inner.signal) : Promise.resolve();
    encoding.catch(() => undefined); // awaited below; a failure meanwhile is not an unhandled rejection
    try {
      for (const clip of batch) {
        if (inner.signal.aborted) break;
        if (!(await hasClipAnnotations(clip, options.out))) await writeClipAnnotations(clip, options.out);
      }
    } catch (error) {
      // Stop the encoder and let it remove its partial files before the failure is reported.
      inner.abort();
      await encoding.catch(() => undefined);
      throw error;
    }
    await encoding;
    if (inner.signal.aborted) throw new GenerationAbortedError(files[0]);
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
  // Every clip now has its annotations: the manifest says so, at this generator's revision (an older folder upgraded).
  const complete = { ...manifest, annotations: true };
  if (!present || present.revision !== complete.revision || !present.annotations) await writeSynthManifest(options.out, complete);
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
