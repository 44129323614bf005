/**
 * A figure's rough shape as discs in local units, used to keep bodies on the ground: how far below its
 * origin a figure reaches at a given rotation decides how high a tumbling car or rolling child rides.
 */

/** A disc of radius `r` at local (x, y). */
export interface OutlineDisc {
  x: number;
  y: number;
  r: number;
}

/** The largest screen-down extent (in local units) of the outline after mirroring by `facing` and rotating. */
export function lowestPoint(outline: readonly OutlineDisc[], angle: number, facing: 1 | -1): number {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  let lowest = -Infinity;
  for (const disc of outline) {
    const y = disc.x * facing * sin + disc.y * cos + disc.r;
    if (y > lowest) lowest = y;
  }
  return lowest;
}
