/**
 * Generates a synthetic A2D dataset on disk: `<out>/clips320H/<id>.mp4` for every planned clip, then
 * `<out>/videoset.csv` last, so a CSV on disk always describes clips that all exist. Clips already present
 * are skipped (each was written atomically, so a present file is complete): an interrupted run resumes, and
 * a rerun with the same options leaves identical output.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@a2d/core';
import { GenerationAbortedError, writeClip } from './clip-writer';
import { planDataset, type PlannedClip } from './dataset-plan';
import { parseGenerateOptions, type GenerateOptions } from './generate-options';
import { formatVideoset } from './videoset-csv';

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

/** Generates (or completes) the dataset described by `rawOptions`; see the module comment. */
export async function generateDataset(rawOptions: unknown, hooks: GenerateHooks = {}): Promise<GenerateSummary> {
  const options = parseGenerateOptions(rawOptions);
  const started = performance.now();
  const clips = planDataset(options.size, options.seed);
  const clipsDir = path.join(options.out, CLIPS_DIR);
  await fs.mkdir(clipsDir, { recursive: true });

  let next = 0;
  let done = 0;
  let generated = 0;
  let skipped = 0;
  let failure: unknown;
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort();
  hooks.signal?.addEventListener('abort', onOuterAbort);
  if (hooks.signal?.aborted) inner.abort();

  const work = async (clip: PlannedClip) => {
    const file = path.join(clipsDir, `${clip.videoId}.mp4`);
    const present = await isCompleteFile(file);
    if (!present) await writeClip(clip, file, inner.signal);
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
  const worker = async () => {
    while (failure === undefined && !inner.signal.aborted && next < clips.length) {
      const clip = clips[next++];
      try {
        await work(clip);
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
  if (failure !== undefined) throw failure;
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
