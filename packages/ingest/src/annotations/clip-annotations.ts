/**
 * A clip's annotated frames: every `Annotations/mat/<videoId>/<frame>.mat` of a dataset root, read in frame order.
 * A root without annotations (a synthetic folder of an earlier generator, a dataset shipped without them) gives an
 * empty list rather than an error, so callers can treat "no ground truth" as a plain case.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DatasetError } from '@a2d/core';
import { matAnnotationFolder, parseAnnotationFrameName } from './annotation-layout';
import { readFrameAnnotation, type FrameAnnotation, type ReadFrameAnnotationOptions } from './frame-annotation';

/** One annotated frame of a clip. */
export interface ClipFrameAnnotation extends FrameAnnotation {
  /** 1-based frame number, as in the file name (`00025.mat` is 25). */
  frame: number;
  /** 0-based index of the frame among the decoded frames of the clip (`frame - 1`). */
  frameIndex: number;
}

/**
 * The annotated frames of `videoId` under `root`, sorted by frame number; empty when the clip has no annotation
 * folder. Other files in the folder are ignored; a broken `.mat` throws the `DatasetError` of `readFrameAnnotation`.
 */
export async function readClipAnnotations(root: string, videoId: string, options: ReadFrameAnnotationOptions = {}): Promise<ClipFrameAnnotation[]> {
  const folder = matAnnotationFolder(root, videoId);
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new DatasetError(folder, `cannot list the clip's annotations: ${code ?? String(error)}`);
  }
  const frames = names
    .map((name) => ({ name, frame: parseAnnotationFrameName(name, '.mat') }))
    .filter((entry): entry is { name: string; frame: number } => entry.frame !== undefined)
    .sort((a, b) => a.frame - b.frame);
  const annotations: ClipFrameAnnotation[] = [];
  for (const { name, frame } of frames) {
    const annotation = await readFrameAnnotation(path.join(folder, name), options);
    annotations.push({ frame, frameIndex: frame - 1, ...annotation });
  }
  return annotations;
}
