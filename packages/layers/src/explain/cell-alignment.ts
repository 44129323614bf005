/**
 * Where a feature map's cells sit on the input frame. Grad-CAM is usually upsampled as if cell j of a stride-s map
 * were centred on input pixel s*j + s/2 - 1/2 (bilinear resizing with half-pixel centres), but the cell's receptive
 * field is centred where the network's padding puts it: with TensorFlow's 'same' padding (extra zeros after, none
 * before) each stride-2 3x3 stage covers input pixels 2i..2i+2, so the `tiny` backbone's cell j is centred on pixel
 * 16j + 15, half a cell (7.5 px) from where plain resizing draws it; torchvision's symmetric padding moves it the
 * other way. Rather than derive this per architecture, it is measured: the gradient of one interior cell's channel
 * sum with respect to the input is that cell's effective receptive field (Luo et al. 2016), and its centre (the
 * centroid of a window centred on it, `fieldCentre`) is the cell's centre. The input is seeded Gaussian noise (the same numbers everywhere, so Node and the browser agree): a
 * blank clip leaves a fresh network's ReLUs exactly at 0, where their gradient is 0. Measured once per feature map
 * and input shape (the network is translation-equivariant away from the borders), then the maps are resampled
 * bilinearly around those centres, clamped at the borders.
 */
import { Rng } from '@a2d/core';
import { tf } from '@a2d/engine';

/** Cell centres along one axis: cell j is centred on input pixel `offset + stride * j` (pixel centres at integers). */
export interface AxisAlignment {
  offset: number;
  stride: number;
}

/** Cell centres of a feature map on its input. */
export interface CellAlignment {
  rows: AxisAlignment;
  columns: AxisAlignment;
}

/** Plain bilinear resizing's assumption (half-pixel centres): what `measureCellAlignment` falls back to. */
export function nominalAlignment(cells: number, size: number): AxisAlignment {
  const stride = size / cells;
  return { offset: stride / 2 - 0.5, stride };
}

/** Centroid of `weights` over the pixels lo..hi (clamped to the array); undefined when they sum to 0. */
function centroidBetween(weights: ArrayLike<number>, lo: number, hi: number): number | undefined {
  let [total, moment] = [0, 0];
  for (let i = Math.max(0, Math.ceil(lo)); i <= Math.min(weights.length - 1, Math.floor(hi)); i++) {
    total += weights[i];
    moment += i * weights[i];
  }
  return total > 0 ? moment / total : undefined;
}

/**
 * Centre of an effective receptive field's marginal (non-negative weights over pixels 0..n-1; undefined when they sum
 * to 0). A plain centroid is pulled towards the image centre where the field reaches past a border (ResNets at small
 * inputs): the centroid is taken instead over a window centred on the estimate and reaching the nearer border, and
 * the window moved to the new estimate until it settles. For a field symmetric about its centre that is its centre,
 * whatever the border cuts off.
 */
function fieldCentre(weights: ArrayLike<number>): number | undefined {
  const last = weights.length - 1;
  let centre = centroidBetween(weights, 0, last);
  for (let step = 0; step < 50 && centre !== undefined; step++) {
    const reach = Math.min(centre, last - centre);
    const next = centroidBetween(weights, centre - reach, centre + reach);
    if (next === undefined || Math.abs(next - centre) < 1e-6) break;
    centre = next;
  }
  return centre;
}

/**
 * Measures the cell centres of `featuresOf(frames)` ([N, h, w, C] for frames [1, T, S, S, 3]) on a noise clip of
 * `clipShape`: the centre (`fieldCentre`) of |d(sum of cell (h/2, w/2)'s channels) / d(input)| per axis. An axis whose gradient is all
 * zero (every unit of the cell dead) keeps the nominal alignment. Frees what it makes.
 */
export function measureCellAlignment(featuresOf: (frames: tf.Tensor) => tf.Tensor, clipShape: readonly number[], cells: { rows: number; columns: number }): CellAlignment {
  const [, , height, width] = clipShape;
  const [row, column] = [Math.floor(cells.rows / 2), Math.floor(cells.columns / 2)];
  const [rowWeights, columnWeights] = tf.tidy(() => {
    const rng = new Rng('cell-alignment');
    const noise = tf.tensor(Float32Array.from({ length: clipShape.reduce((product, n) => product * n, 1) }, () => rng.normal(0, 1)), [...clipShape]);
    const gradient = tf.grad((frames: tf.Tensor) => tf.sum(tf.slice(featuresOf(frames), [0, row, column, 0], [-1, 1, 1, -1])))(noise);
    // [1, T, S, S, 3] -> per input row and per input column.
    const magnitude = tf.sum(tf.abs(gradient), [0, 1, 4]);
    return [tf.sum(magnitude, 1).dataSync(), tf.sum(magnitude, 0).dataSync()];
  });
  const axis = (weights: ArrayLike<number>, cell: number, count: number, size: number): AxisAlignment => {
    const nominal = nominalAlignment(count, size);
    const centre = fieldCentre(weights);
    return centre === undefined ? nominal : { offset: centre - cell * nominal.stride, stride: nominal.stride };
  };
  return { rows: axis(rowWeights, row, cells.rows, height), columns: axis(columnWeights, column, cells.columns, width) };
}

/** For each output pixel along an axis: the two cells it blends and the second one's weight (clamped at the ends). */
function samplingPlan(alignment: AxisAlignment, cells: number, size: number): { low: Int32Array; high: Int32Array; weight: Float32Array } {
  const [low, high, weight] = [new Int32Array(size), new Int32Array(size), new Float32Array(size)];
  for (let p = 0; p < size; p++) {
    const u = Math.min(cells - 1, Math.max(0, (p - alignment.offset) / alignment.stride));
    low[p] = Math.floor(u);
    high[p] = Math.min(cells - 1, low[p] + 1);
    weight[p] = u - low[p];
  }
  return { low, high, weight };
}

/**
 * Bilinear resampling of `maps` [T, h, w] (row-major) to [T, height, width] with the cells centred per `alignment`;
 * with `nominalAlignment` on both axes it equals `tf.image.resizeBilinear(..., halfPixelCenters = true)`.
 */
export function resampleCells(maps: ArrayLike<number>, shape: [number, number, number], alignment: CellAlignment, height: number, width: number): Float32Array {
  const [time, rows, columns] = shape;
  const [r, c] = [samplingPlan(alignment.rows, rows, height), samplingPlan(alignment.columns, columns, width)];
  const out = new Float32Array(time * height * width);
  for (let t = 0; t < time; t++) {
    const base = t * rows * columns;
    for (let y = 0; y < height; y++) {
      const [top, bottom, wy] = [base + r.low[y] * columns, base + r.high[y] * columns, r.weight[y]];
      for (let x = 0; x < width; x++) {
        const [left, right, wx] = [c.low[x], c.high[x], c.weight[x]];
        const upper = maps[top + left] + (maps[top + right] - maps[top + left]) * wx;
        const lower = maps[bottom + left] + (maps[bottom + right] - maps[bottom + left]) * wx;
        out[(t * height + y) * width + x] = upper + (lower - upper) * wy;
      }
    }
  }
  return out;
}
