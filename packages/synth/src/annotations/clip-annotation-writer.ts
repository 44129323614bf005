/**
 * Writes a planned clip's ground truth in A2D's annotation layout: for each of its `numAnnotatedFrames` frames
 * (`annotated-frames.ts`), `Annotations/mat/<videoId>/<frame>.mat` and `Annotations/col/<videoId>/<frame>.png`. Every
 * visible actor is an instance, as in A2D: the labelled actor with the clip's label (first), each visible distractor
 * with its kind and the `none` action (x9), since distractors stand idle. Boxes are the bounding boxes of the visible
 * pixels at the clip's output size (occluders and actors in front excluded).
 */
import { promises as fs } from 'node:fs';
import { encodeLabel, writeFileAtomic } from '@a2d/core';
import { colourAnnotationFile, colourAnnotationFolder, matAnnotationFile, matAnnotationFolder, parseAnnotationFrameName } from '@a2d/ingest';
import { sceneOfClip } from '../clip-writer';
import type { PlannedClip } from '../dataset-plan';
import type { ClipScene } from '../scene';
import { visibleActors, type VisibleActor } from './actor-masks';
import { segmentFramesByPreference } from './annotated-frames';
import { encodeColourPng } from './colour-png';
import { encodeFrameAnnotation, type InstanceAnnotation } from './frame-annotation-file';

/** One frame that got annotation files. */
export interface WrittenAnnotationFrame {
  /** 1-based frame number (the file name). */
  frame: number;
  /** The instances written, the labelled actor first when visible. */
  ids: number[];
}

/** The clip's pixel size at which annotations are written (the encoded clip's). */
function outputSize(clip: PlannedClip): { width: number; height: number } {
  return { width: clip.width, height: clip.height };
}

/**
 * The frame of each segment to annotate and its visible actors: the frame nearest the segment's middle where the
 * labelled actor is visible, else the nearest where any actor is; a segment where none ever is gets no frame.
 */
function chooseFrames(clip: PlannedClip, scene: ClipScene): { index: number; actors: VisibleActor[] }[] {
  const size = outputSize(clip);
  const chosen: { index: number; actors: VisibleActor[] }[] = [];
  for (let segment = 0; segment < clip.numAnnotatedFrames; segment++) {
    let fallback: { index: number; actors: VisibleActor[] } | undefined;
    let pick: { index: number; actors: VisibleActor[] } | undefined;
    for (const index of segmentFramesByPreference(clip.numFrames, clip.numAnnotatedFrames, segment)) {
      const actors = visibleActors(scene, index, size);
      if (actors.some((actor) => actor.isSubject)) {
        pick = { index, actors };
        break;
      }
      if (!fallback && actors.length > 0) fallback = { index, actors };
    }
    const frame = pick ?? fallback;
    if (frame) chosen.push(frame);
  }
  return chosen;
}

function instanceOf(clip: PlannedClip, visible: VisibleActor): InstanceAnnotation {
  const id = visible.isSubject ? clip.label : encodeLabel(visible.actor.appearance.kind, 'none');
  return { id, box: visible.box, mask: visible.mask };
}

/**
 * Writes the clip's annotation files under the dataset root `root` (each atomically, PNG before `.mat`, so a present
 * `.mat` has its PNG) and returns what it wrote. `scene` defaults to the clip's own.
 */
export async function writeClipAnnotations(clip: PlannedClip, root: string, scene: ClipScene = sceneOfClip(clip)): Promise<WrittenAnnotationFrame[]> {
  const size = outputSize(clip);
  const written: WrittenAnnotationFrame[] = [];
  for (const { index, actors } of chooseFrames(clip, scene)) {
    const frame = index + 1;
    const instances = actors.map((visible) => instanceOf(clip, visible));
    await writeFileAtomic(colourAnnotationFile(root, clip.videoId, frame), encodeColourPng(instances, size));
    await writeFileAtomic(matAnnotationFile(root, clip.videoId, frame), await encodeFrameAnnotation(instances, size));
    written.push({ frame, ids: instances.map((instance) => instance.id) });
  }
  return written;
}

async function framesIn(folder: string, extension: '.mat' | '.png'): Promise<Set<number>> {
  const names = await fs.readdir(folder).catch(() => [] as string[]);
  const frames = new Set<number>();
  for (const name of names) {
    const frame = parseAnnotationFrameName(name, extension);
    if (frame !== undefined) frames.add(frame);
  }
  return frames;
}

/** Whether the clip's annotations are all on disk: `numAnnotatedFrames` `.mat` files, each with its PNG. */
export async function hasClipAnnotations(clip: PlannedClip, root: string): Promise<boolean> {
  const mats = await framesIn(matAnnotationFolder(root, clip.videoId), '.mat');
  if (mats.size < clip.numAnnotatedFrames) return false;
  const pngs = await framesIn(colourAnnotationFolder(root, clip.videoId), '.png');
  return [...mats].every((frame) => pngs.has(frame));
}
