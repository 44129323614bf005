/**
 * One frame's A2D annotation file (`Annotations/mat/<videoId>/<frame>.mat`) in A2D's layout, as h5py shows it for a
 * frame of W x H pixels and N instances: `id` [1, N] (10 * actor + action), `reBBox` [4, N] (x1, y1, x2, y2 per
 * instance, 1-based pixel indices with the last column and row included, as MATLAB counts), and `reMask` [W, H] for
 * one instance or [N, W, H] for several (MATLAB's H x W x N, column-major), all doubles but the logical masks.
 */
import type { PixelBox, MaskSize } from './actor-masks';
import { encodeMatFile } from './mat-file-writer';

/** One instance to write: its label code, box (0-based, inclusive) and row-major 0/1 mask of the frame's size. */
export interface InstanceAnnotation {
  id: number;
  box: PixelBox;
  mask: Uint8Array;
}

/** The bytes of the `.mat` file of one frame holding `instances` (at least one). */
export async function encodeFrameAnnotation(instances: readonly InstanceAnnotation[], size: MaskSize): Promise<Uint8Array> {
  const count = instances.length;
  if (count === 0) throw new RangeError('an annotation file holds at least one instance');
  const { width, height } = size;
  const ids = Float64Array.from(instances, (instance) => instance.id);
  const boxes = new Float64Array(4 * count);
  const masks = new Uint8Array(count * width * height);
  instances.forEach((instance, i) => {
    if (instance.mask.length !== width * height) throw new RangeError(`mask of instance ${i} has ${instance.mask.length} pixels, expected ${width}x${height}`);
    const { x1, y1, x2, y2 } = instance.box;
    [x1, y1, x2, y2].forEach((value, row) => (boxes[row * count + i] = value + 1));
    const base = i * width * height;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) masks[base + x * height + y] = instance.mask[y * width + x];
    }
  });
  const maskShape = count === 1 ? [width, height] : [count, width, height];
  return encodeMatFile([
    { name: 'id', shape: [1, count], data: ids, matlabClass: 'double' },
    { name: 'reBBox', shape: [4, count], data: boxes, matlabClass: 'double' },
    { name: 'reMask', shape: maskShape, data: masks, matlabClass: 'logical', chunks: count === 1 ? [width, height] : [1, width, height] },
  ]);
}
