/**
 * Where A2D keeps its per-frame annotations under a dataset root: `Annotations/mat/<videoId>/<frame>.mat` (MATLAB
 * v7.3 files holding the instances' boxes, masks and label ids) and `Annotations/col/<videoId>/<frame>.png` (the same
 * masks painted in colours on black), `<frame>` being the 5-digit 1-based frame number (`00025.mat` is the 25th frame).
 * The synthetic generator writes the same layout, so one reader serves real A2D and synthetic data.
 */
import path from 'node:path';

/** Folder of the annotations inside a dataset root (A2D's name). */
export const ANNOTATIONS_DIR = 'Annotations';
/** Subfolder of the MATLAB files (the source of truth: boxes, masks and ids). */
export const MAT_ANNOTATIONS_DIR = 'mat';
/** Subfolder of the colour PNGs (for looking at; they carry no ids). */
export const COLOUR_ANNOTATIONS_DIR = 'col';

/** Highest frame number a 5-digit name holds. */
const MAX_FRAME = 99_999;

/** `00025` for frame 25; throws `RangeError` for anything but an integer in 1..99999 (the names are 1-based). */
export function annotationFrameName(frame: number): string {
  if (!Number.isInteger(frame) || frame < 1 || frame > MAX_FRAME) {
    throw new RangeError(`annotation frame number ${frame} is not an integer in 1..${MAX_FRAME}`);
  }
  return String(frame).padStart(5, '0');
}

/** The 1-based frame number of an annotation file name such as `00025.mat`, or undefined for any other name. */
export function parseAnnotationFrameName(fileName: string, extension: '.mat' | '.png'): number | undefined {
  if (!fileName.endsWith(extension)) return undefined;
  const stem = fileName.slice(0, -extension.length);
  if (!/^\d{5}$/.test(stem)) return undefined;
  const frame = Number(stem);
  return frame >= 1 ? frame : undefined;
}

/** `<root>/Annotations/mat/<videoId>`: the clip's MATLAB files. */
export function matAnnotationFolder(root: string, videoId: string): string {
  return path.join(root, ANNOTATIONS_DIR, MAT_ANNOTATIONS_DIR, videoId);
}

/** `<root>/Annotations/col/<videoId>`: the clip's colour PNGs. */
export function colourAnnotationFolder(root: string, videoId: string): string {
  return path.join(root, ANNOTATIONS_DIR, COLOUR_ANNOTATIONS_DIR, videoId);
}

/** The MATLAB file of 1-based frame `frame` of a clip. */
export function matAnnotationFile(root: string, videoId: string, frame: number): string {
  return path.join(matAnnotationFolder(root, videoId), `${annotationFrameName(frame)}.mat`);
}

/** The colour PNG of 1-based frame `frame` of a clip. */
export function colourAnnotationFile(root: string, videoId: string, frame: number): string {
  return path.join(colourAnnotationFolder(root, videoId), `${annotationFrameName(frame)}.png`);
}
