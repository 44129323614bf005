/**
 * One annotated frame of A2D (`Annotations/mat/<videoId>/<frame>.mat`), read into typed instances. The file holds,
 * for N instances (HDF5 shapes, as h5py shows them; MATLAB's are the reverse):
 * - `id` `[1, N]`: the label of each instance, 10 * actor + action (11 = adult-climbing, 19 = adult-none);
 * - `reBBox` `[4, N]`: x1, y1, x2, y2 of each instance, 1-based pixel indices in the 320-pixel-high clip frame, the
 *   last column and row included (MATLAB's convention);
 * - `reMask` `[W, H]` when N is 1, else `[N, W, H]`: each instance's binary mask (MATLAB's `H x W x N`).
 * Boxes come back 0-based (subtract 1), still inclusive, so a mask's bounding box equals its box.
 */
import { readFile } from 'node:fs/promises';
import { ACTIONS, ACTORS, DatasetError, isValidLabel, type ActionName, type ActorName } from '@a2d/core';
import { parseMatFile, type MatArray, type MatFile } from './mat-file';

/** An instance's box: 0-based pixel indices, inclusive (columns x1..x2, rows y1..y2 hold the instance). */
export interface InstanceBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** An instance's binary mask: `width * height` bytes, row-major, 1 where the instance is, else 0. */
export interface InstanceMask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One annotated actor in a frame. */
export interface AnnotatedInstance {
  /** A2D label code, 10 * actor + action (`x9` = the actor does none of the 8 actions). */
  id: number;
  actor: ActorName;
  action: ActionName;
  box: InstanceBox;
  /** The instance's pixels; absent when the file has no `reMask` or masks were not asked for. */
  mask?: InstanceMask;
}

/** What one `.mat` file says about its frame. */
export interface FrameAnnotation {
  file: string;
  /** The instances in the file's order. */
  instances: AnnotatedInstance[];
  /** Frame size in pixels, known from the masks (undefined without them). */
  width?: number;
  height?: number;
}

/** What to read. */
export interface ReadFrameAnnotationOptions {
  /** Decode `reMask` into each instance's `mask` (default true); boxes alone are cheaper. */
  masks?: boolean;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function requireArray(mat: MatFile, name: string, what: string): MatArray {
  const array = mat.array(name);
  if (!array) {
    const has = mat.names.length > 0 ? mat.names.join(', ') : 'nothing';
    throw new DatasetError(mat.file, `missing: an A2D annotation file holds ${what} in "${name}" (this file holds ${has})`, undefined, name);
  }
  return array;
}

function readIds(mat: MatFile): number[] {
  const array = requireArray(mat, 'id', 'the label of each instance');
  const { shape, values } = array;
  const isVector = shape.length === 2 && (shape[0] === 1 || shape[1] === 1) && values.length >= 1;
  if (!isVector) throw new DatasetError(mat.file, `expected shape [1, N] (one label per instance), found ${shapeText(shape)}`, undefined, 'id');
  return Array.from(values, (code, i) => {
    if (!Number.isInteger(code) || !isValidLabel(code)) {
      throw new DatasetError(mat.file, `id[${i}] is ${code}, not an A2D actor-action code (10 * actor + action, e.g. 11 = adult-climbing)`, undefined, 'id');
    }
    return code;
  });
}

function readBoxes(mat: MatFile, count: number): InstanceBox[] {
  const { shape, values } = requireArray(mat, 'reBBox', 'the instances\' boxes');
  if (shape.length !== 2 || shape[0] !== 4 || shape[1] !== count) {
    throw new DatasetError(mat.file, `expected shape [4, ${count}] (x1, y1, x2, y2 of each of the ${count} instances in id), found ${shapeText(shape)}`, undefined, 'reBBox');
  }
  return Array.from({ length: count }, (_, i) => {
    const [x1, y1, x2, y2] = [0, 1, 2, 3].map((row) => values[row * count + i]);
    if (![x1, y1, x2, y2].every(Number.isFinite) || x2 < x1 || y2 < y1) {
      throw new DatasetError(mat.file, `box ${i} is [${x1}, ${y1}, ${x2}, ${y2}]: expected finite x1 <= x2 and y1 <= y2`, undefined, 'reBBox');
    }
    return { x1: x1 - 1, y1: y1 - 1, x2: x2 - 1, y2: y2 - 1 };
  });
}

function readMasks(mat: MatFile, count: number): InstanceMask[] | undefined {
  const array = mat.array('reMask');
  if (!array) return undefined;
  const { shape, values } = array;
  // One instance: MATLAB's H x W (HDF5 [W, H]); several: H x W x N (HDF5 [N, W, H]).
  const dims = shape.length === 2 && count === 1 ? [1, shape[0], shape[1]] : shape;
  if (dims.length !== 3 || dims[0] !== count || dims[1] < 1 || dims[2] < 1) {
    const expected = count === 1 ? '[W, H]' : `[${count}, W, H]`;
    throw new DatasetError(mat.file, `expected shape ${expected} (a W x H mask for each of the ${count} instances in id), found ${shapeText(shape)}`, undefined, 'reMask');
  }
  const [, width, height] = dims;
  return Array.from({ length: count }, (_, i) => {
    const data = new Uint8Array(width * height);
    const base = i * width * height;
    // HDF5 [W, H] is column-major pixels: element (x, y) sits at x * H + y.
    for (let x = 0; x < width; x++) {
      const column = base + x * height;
      for (let y = 0; y < height; y++) if (values[column + y] !== 0) data[y * width + x] = 1;
    }
    return { width, height, data };
  });
}

/** Reads the instances of an already loaded MAT-file (see the module comment for the layout). */
function frameAnnotationOf(mat: MatFile, options: ReadFrameAnnotationOptions = {}): FrameAnnotation {
  const ids = readIds(mat);
  const boxes = readBoxes(mat, ids.length);
  const masks = options.masks === false ? undefined : readMasks(mat, ids.length);
  const instances = ids.map((id, i): AnnotatedInstance => {
    const actor = ACTORS[Math.floor(id / 10) - 1];
    const action = ACTIONS[(id % 10) - 1];
    return { id, actor, action, box: boxes[i], ...(masks ? { mask: masks[i] } : {}) };
  });
  const size = masks?.[0];
  return { file: mat.file, instances, ...(size ? { width: size.width, height: size.height } : {}) };
}

/**
 * Reads one A2D annotation file. Throws `DatasetError` naming the file, and the variable where one is to blame:
 * unreadable, not a v7.3 MAT-file, `id` / `reBBox` missing, a shape that does not match the instance count, an id
 * that is no A2D code.
 */
export async function readFrameAnnotation(file: string, options: ReadFrameAnnotationOptions = {}): Promise<FrameAnnotation> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new DatasetError(file, `cannot read the annotation file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return frameAnnotationOf(parseMatFile(bytes, file), options);
}
