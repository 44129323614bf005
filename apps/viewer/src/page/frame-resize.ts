/**
 * rgb24 resizing as ffmpeg's `scale=W:H` does it by default (swscale's bicubic: the Keys cubic with a = -0.6, i.e.
 * Mitchell-Netravali B = 0, C = 0.6, its support widened by the scale factor when shrinking, so that every source
 * pixel counts), on the frame the browser decoded at its own size. Separable: rows, then columns. Measured against
 * ffmpeg on the same frames it is closer than the canvas's own scaling (see the viewer's tests).
 */

/** Keys cubic convolution kernel with a = -0.6 (swscale's default bicubic parameters). */
function cubic(x: number): number {
  const a = -0.6;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

interface Taps {
  /** First source index of each output position. */
  first: Int32Array;
  /** Taps per output position. */
  size: number;
  /** `size` normalised weights per output position. */
  weights: Float64Array;
}

/** The filter taps mapping `source` samples onto `target` samples (pixel centres aligned, edges clamped). */
function filterTaps(source: number, target: number): Taps {
  const scale = source / target;
  const stretch = Math.max(1, scale);
  const size = Math.ceil(2 * stretch) * 2 + 1;
  const first = new Int32Array(target);
  const weights = new Float64Array(target * size);
  for (let d = 0; d < target; d++) {
    const centre = (d + 0.5) * scale - 0.5;
    const start = Math.floor(centre) - Math.floor(size / 2);
    first[d] = start;
    let total = 0;
    for (let k = 0; k < size; k++) {
      const w = cubic((start + k - centre) / stretch);
      weights[d * size + k] = w;
      total += w;
    }
    for (let k = 0; k < size; k++) weights[d * size + k] /= total;
  }
  return { first, size, weights };
}

/** `source` (rgb24 or rgba, `channels` per pixel) resized to `width x height` rgb24. */
export function resizeFrameBicubic(
  source: Uint8Array | Uint8ClampedArray,
  size: { width: number; height: number; channels: 3 | 4 },
  width: number,
  height: number,
): Uint8Array {
  const { width: sw, height: sh, channels } = size;
  if (source.length !== sw * sh * channels) throw new RangeError(`resizeFrameBicubic: expected ${sw * sh * channels} bytes, got ${source.length}`);
  const horizontal = filterTaps(sw, width);
  const vertical = filterTaps(sh, height);
  // Rows first, kept in floats (rounding once at the end, as swscale keeps extra precision between passes).
  const rows = new Float32Array(sh * width * 3);
  for (let y = 0; y < sh; y++) {
    const rowIn = y * sw * channels;
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      const start = horizontal.first[x];
      for (let k = 0; k < horizontal.size; k++) {
        const sx = Math.min(sw - 1, Math.max(0, start + k));
        const w = horizontal.weights[x * horizontal.size + k];
        const at = rowIn + sx * channels;
        r += w * source[at];
        g += w * source[at + 1];
        b += w * source[at + 2];
      }
      const out = (y * width + x) * 3;
      rows[out] = r;
      rows[out + 1] = g;
      rows[out + 2] = b;
    }
  }
  const result = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const start = vertical.first[y];
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < vertical.size; k++) {
        const sy = Math.min(sh - 1, Math.max(0, start + k));
        const w = vertical.weights[y * vertical.size + k];
        const at = (sy * width + x) * 3;
        r += w * rows[at];
        g += w * rows[at + 1];
        b += w * rows[at + 2];
      }
      const out = (y * width + x) * 3;
      result[out] = Math.min(255, Math.max(0, Math.round(r)));
      result[out + 1] = Math.min(255, Math.max(0, Math.round(g)));
      result[out + 2] = Math.min(255, Math.max(0, Math.round(b)));
    }
  }
  return result;
}
