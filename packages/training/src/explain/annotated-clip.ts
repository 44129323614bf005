/**
 * Where an explained clip meets the ground truth. A2D (and the synthetic set) annotate a few frames per video,
 * rarely the ones the test sampling picks, so the clip explained for the pointing game is the test clip with
 * each annotated frame put in the place of the sampled frame nearest to it (for TSN sampling: the frame of its
 * own segment, a clip that training's jitter could draw). A box is then carried from the source frame through
 * the decoder's scaling and the test crop into the model's input pixels.
 */
import type { CropBox } from '@a2d/augment';
import type { MapBox } from '@a2d/metrics';
import type { InstanceBox } from '@a2d/ingest';

/** A clip's frames with annotated frames in place, and which positions carry which annotated frame. */
export interface AnnotatedClipPlan {
  /** Source frame index (0-based) of each clip position. */
  indices: number[];
  /** Positions holding an annotated frame: `annotation` indexes the `annotated` list given. */
  scored: { position: number; annotation: number }[];
  /** Annotated frames left out: their nearest position went to a nearer annotated frame. */
  unplaced: number[];
}

/**
 * Puts each annotated frame (0-based source indices) in the place of the sampled frame nearest to it; when two
 * want the same place, the nearer keeps it (ties: the earlier frame) and the other is `unplaced`.
 */
export function placeAnnotatedFrames(sampled: readonly number[], annotated: readonly number[]): AnnotatedClipPlan {
  const claims = new Map<number, number>();
  const distance = (position: number, annotation: number) => Math.abs(sampled[position] - annotated[annotation]);
  const unplaced: number[] = [];
  annotated.forEach((frame, annotation) => {
    let position = 0;
    for (let p = 1; p < sampled.length; p++) if (Math.abs(sampled[p] - frame) < Math.abs(sampled[position] - frame)) position = p;
    const holder = claims.get(position);
    if (holder === undefined || distance(position, annotation) < distance(position, holder)) {
      if (holder !== undefined) unplaced.push(holder);
      claims.set(position, annotation);
    } else {
      unplaced.push(annotation);
    }
  });
  const indices = [...sampled];
  const scored = [...claims.entries()].map(([position, annotation]) => ({ position, annotation })).sort((a, b) => a.position - b.position);
  for (const { position, annotation } of scored) indices[position] = annotated[annotation];
  return { indices, scored, unplaced: unplaced.sort((a, b) => a - b) };
}

/** How a source frame became the model's input: decoded at `decoded` size, then `crop` resampled to `size`. */
export interface InputGeometry {
  source: { width: number; height: number };
  decoded: { width: number; height: number };
  /** The test crop, in decoded pixels. */
  crop: CropBox;
  /** Side of the model's square input. */
  size: number;
}

/**
 * A source box (0-based inclusive pixel indices) in the model input's continuous coordinates: the box covers
 * [x1, x2 + 1) x [y1, y2 + 1) of the source frame, scaled as the decoder scales and shifted and scaled as the crop.
 * The result may reach outside [0, size): `boxPixelMask` clips it.
 */
export function boxInInput(box: InstanceBox, geometry: InputGeometry): MapBox {
  const { source, decoded, crop, size } = geometry;
  const x = (u: number) => ((u * decoded.width) / source.width - crop.left) * (size / crop.width);
  const y = (v: number) => ((v * decoded.height) / source.height - crop.top) * (size / crop.height);
  return { left: x(box.x1), right: x(box.x2 + 1), top: y(box.y1), bottom: y(box.y2 + 1) };
}
