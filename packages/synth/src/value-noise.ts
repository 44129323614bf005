/**
 * Smooth value noise anchored to world coordinates: lattice values come from an integer hash of the cell and
 * a seed (drawn from the clip's `Rng`), so a texture is the same wherever and however large a backdrop is cut.
 */

// Bound once: global `Math` lookups are slow inside VM contexts (jest) and these run per pixel.
const { ceil, floor, imul } = Math;

/** Uniform [0, 1) value of lattice cell (ix, iy) for a seed. */
export function latticeValue(ix: number, iy: number, seed: number): number {
  let h = imul(ix, 0x27d4eb2d) ^ imul(iy, 0x165667b1) ^ imul(seed, 0x9e3779b1);
  h = imul(h ^ (h >>> 15), 0x85ebca6b);
  h = imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/**
 * Noise in [0, 1) for the world rectangle starting at (x0, y0), `width * height` pixels, with lattice cells of
 * `cell` pixels (smoothstep-interpolated). Returned row-major.
 */
export function noiseField(x0: number, y0: number, width: number, height: number, cell: number, seed: number): Float32Array {
  const gx0 = floor(x0 / cell);
  const gy0 = floor(y0 / cell);
  const gw = ceil((x0 + width) / cell) - gx0 + 2;
  const gh = ceil((y0 + height) / cell) - gy0 + 2;
  const lattice = new Float32Array(gw * gh);
  for (let j = 0; j < gh; j++) for (let i = 0; i < gw; i++) lattice[j * gw + i] = latticeValue(gx0 + i, gy0 + j, seed);
  const column = new Int32Array(width);
  const columnWeight = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const g = (x0 + x) / cell - gx0;
    const i = floor(g);
    const f = g - i;
    column[x] = i;
    columnWeight[x] = f * f * (3 - 2 * f);
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const g = (y0 + y) / cell - gy0;
    const j = floor(g);
    const f = g - j;
    const wy = f * f * (3 - 2 * f);
    const top = j * gw;
    const bottom = top + gw;
    for (let x = 0; x < width; x++) {
      const i = column[x];
      const wx = columnWeight[x];
      const a = lattice[top + i] + (lattice[top + i + 1] - lattice[top + i]) * wx;
      const b = lattice[bottom + i] + (lattice[bottom + i + 1] - lattice[bottom + i]) * wx;
      out[y * width + x] = a + (b - a) * wy;
    }
  }
  return out;
}
