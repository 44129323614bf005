/**
 * Anti-aliased filled shapes on an interleaved RGB byte buffer. Every shape works in a bounding box
 * clipped to the canvas and evaluates its paint in the shape's own (rotated) coordinates, so patterns
 * turn with the shape (a rolling ball's spots rotate) while shading stays lit from above.
 */

// Bound once: global `Math` lookups are slow inside VM contexts (jest) and these run per pixel.
const { abs, ceil, floor, hypot, max, min, sqrt } = Math;

/** An RGB image being drawn on: `width * height * 3` bytes, row-major, interleaved. */
export interface Canvas {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A colour as 0..255 channels. */
export type Rgb = readonly [number, number, number];

/** How a shape's interior is patterned; coordinates are the shape's own, normalised to about -1..1. */
export type PatternKind = 'plain' | 'stripes' | 'spots' | 'halves' | 'checks';

/** What a shape is filled with. */
export interface Paint {
  color: Rgb;
  /** Second colour of the pattern (ignored when `pattern` is `plain`). */
  accent: Rgb;
  pattern: PatternKind;
  /** Pattern repeats across the shape's half-extent. */
  frequency: number;
  /** 0..1: how much darker the bottom of the shape is than its top (cheap volume). */
  shade: number;
  /** 0..1 opacity (shadows, haze). */
  opacity: number;
}

/** A plain paint of one colour. */
export function solidPaint(color: Rgb, shade = 0.25, opacity = 1): Paint {
  return { color, accent: color, pattern: 'plain', frequency: 1, shade, opacity };
}

/** Creates a canvas of the given size (black). */
export function createCanvas(width: number, height: number): Canvas {
  return { data: new Uint8Array(width * height * 3), width, height };
}

const PATTERN_CODE: Record<PatternKind, number> = { plain: 0, stripes: 1, spots: 2, halves: 3, checks: 4 };

/** 1 where the pattern shows its accent colour at local (u, v), else 0. Called per covered pixel. */
function accentAt(code: number, u: number, v: number, frequency: number): number {
  switch (code) {
    case 1: {
      const s = u * frequency;
      return s - floor(s) < 0.5 ? 1 : 0;
    }
    case 2: {
      const a = u * frequency;
      const b = v * frequency;
      const fa = a - floor(a) - 0.5;
      const fb = b - floor(b) - 0.5;
      return fa * fa + fb * fb < 0.09 ? 1 : 0;
    }
    case 3:
      return u < 0 ? 1 : 0;
    case 4:
      return (floor(u * frequency) + floor(v * frequency)) & 1;
    default:
      return 0;
  }
}

/** Blends one pixel; `coverage` is 0..1 from the shape's edge, `light` the shading factor. */
function blendPixel(
  data: Uint8Array,
  offset: number,
  paint: Paint,
  useAccent: number,
  coverage: number,
  light: number,
): void {
  const alpha = coverage * paint.opacity;
  if (alpha <= 0) return;
  const color = useAccent ? paint.accent : paint.color;
  const keep = 1 - alpha;
  data[offset] = data[offset] * keep + color[0] * light * alpha;
  data[offset + 1] = data[offset + 1] * keep + color[1] * light * alpha;
  data[offset + 2] = data[offset + 2] * keep + color[2] * light * alpha;
}

/** Clipped integer pixel range [lo, hi) covering a real interval. */
function span(lo: number, hi: number, size: number): [number, number] {
  return [max(0, floor(lo)), min(size, ceil(hi))];
}

/**
 * Fills an ellipse centred at (cx, cy) with radii (rx, ry), rotated by `angle` radians (clockwise on screen).
 * `patternAngle` turns the pattern further, so a squashed ball can spin its pattern independently of its outline.
 */
export function fillEllipse(
  canvas: Canvas,
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  angle: number,
  paint: Paint,
  patternAngle = 0,
): void {
  if (rx < 0.2 || ry < 0.2) return;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const ex = sqrt(rx * rx * cos * cos + ry * ry * sin * sin) + 1;
  const ey = sqrt(rx * rx * sin * sin + ry * ry * cos * cos) + 1;
  const [x0, x1] = span(cx - ex, cx + ex, canvas.width);
  const [y0, y1] = span(cy - ey, cy + ey, canvas.height);
  const code = PATTERN_CODE[paint.pattern];
  const edge = min(rx, ry);
  const pc = Math.cos(patternAngle);
  const ps = Math.sin(patternAngle);
  const { data, width } = canvas;
  for (let y = y0; y < y1; y++) {
    const dy = y + 0.5 - cy;
    const light = 1 - paint.shade * 0.5 * (1 + max(-1, min(1, dy / ey)));
    let offset = (y * width + x0) * 3;
    for (let x = x0; x < x1; x++, offset += 3) {
      const dx = x + 0.5 - cx;
      const u = (dx * cos + dy * sin) / rx;
      const v = (dy * cos - dx * sin) / ry;
      const r2 = u * u + v * v;
      if (r2 >= 1.2) continue;
      const coverage = min(1, (1 - sqrt(r2)) * edge + 0.5);
      if (coverage <= 0) continue;
      const useAccent = code ? accentAt(code, u * pc + v * ps, v * pc - u * ps, paint.frequency) : 0;
      blendPixel(data, offset, paint, useAccent, coverage, light);
    }
  }
}

/** Fills a rotated rectangle with rounded corners: centre, half-width, half-height, angle, corner radius. */
export function fillBox(
  canvas: Canvas,
  cx: number,
  cy: number,
  halfWidth: number,
  halfHeight: number,
  angle: number,
  cornerRadius: number,
  paint: Paint,
): void {
  if (halfWidth < 0.2 || halfHeight < 0.2) return;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const ex = abs(halfWidth * cos) + abs(halfHeight * sin) + 1;
  const ey = abs(halfWidth * sin) + abs(halfHeight * cos) + 1;
  const [x0, x1] = span(cx - ex, cx + ex, canvas.width);
  const [y0, y1] = span(cy - ey, cy + ey, canvas.height);
  const code = PATTERN_CODE[paint.pattern];
  const round = min(cornerRadius, halfWidth, halfHeight);
  const innerW = halfWidth - round;
  const innerH = halfHeight - round;
  const { data, width } = canvas;
  for (let y = y0; y < y1; y++) {
    const dy = y + 0.5 - cy;
    const light = 1 - paint.shade * 0.5 * (1 + max(-1, min(1, dy / ey)));
    let offset = (y * width + x0) * 3;
    for (let x = x0; x < x1; x++, offset += 3) {
      const dx = x + 0.5 - cx;
      const lx = dx * cos + dy * sin;
      const ly = dy * cos - dx * sin;
      // Signed distance to the rounded box (negative inside).
      const qx = abs(lx) - innerW;
      const qy = abs(ly) - innerH;
      const outside = hypot(max(qx, 0), max(qy, 0));
      const distance = outside + min(max(qx, qy), 0) - round;
      const coverage = min(1, 0.5 - distance);
      if (coverage <= 0) continue;
      const u = lx / halfWidth;
      const v = ly / halfHeight;
      blendPixel(data, offset, paint, code ? accentAt(code, u, v, paint.frequency) : 0, coverage, light);
    }
  }
}

/** Fills a capsule: the segment (x0, y0)-(x1, y1) thickened by `radius` (limbs, poles, tails). */
export function fillCapsule(
  canvas: Canvas,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  radius: number,
  paint: Paint,
): void {
  if (radius < 0.25) radius = 0.25;
  const [x0, x1] = span(min(ax, bx) - radius - 1, max(ax, bx) + radius + 1, canvas.width);
  const [y0, y1] = span(min(ay, by) - radius - 1, max(ay, by) + radius + 1, canvas.height);
  const ux = bx - ax;
  const uy = by - ay;
  const lengthSq = ux * ux + uy * uy || 1e-9;
  const code = PATTERN_CODE[paint.pattern];
  const top = min(ay, by) - radius;
  const tall = abs(by - ay) + 2 * radius;
  const { data, width } = canvas;
  for (let y = y0; y < y1; y++) {
    const py = y + 0.5;
    const light = 1 - paint.shade * max(0, min(1, (py - top) / tall));
    let offset = (y * width + x0) * 3;
    for (let x = x0; x < x1; x++, offset += 3) {
      const px = x + 0.5;
      const t = max(0, min(1, ((px - ax) * ux + (py - ay) * uy) / lengthSq));
      const dx = px - (ax + t * ux);
      const dy = py - (ay + t * uy);
      const distance = sqrt(dx * dx + dy * dy);
      const coverage = min(1, radius - distance + 0.5);
      if (coverage <= 0) continue;
      const useAccent = code ? accentAt(code, 2 * t - 1, distance / radius, paint.frequency) : 0;
      blendPixel(data, offset, paint, useAccent, coverage, light);
    }
  }
}

/** Fills a convex polygon given as [x0, y0, x1, y1, ...] in screen pixels (either winding). */
export function fillPolygon(canvas: Canvas, points: readonly number[], paint: Paint): void {
  const n = points.length / 2;
  if (n < 3) return;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  let area = 0;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i];
    const y = points[2 * i + 1];
    minX = min(minX, x);
    maxX = max(maxX, x);
    minY = min(minY, y);
    maxY = max(maxY, y);
    const j = (i + 1) % n;
    area += x * points[2 * j + 1] - points[2 * j] * y;
  }
  if (abs(area) < 1e-6) return;
  const sign = area > 0 ? 1 : -1;
  // Edge lines as unit normals pointing inside: inside distance = nx * x + ny * y + c.
  const edges = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const ex = points[2 * j] - points[2 * i];
    const ey = points[2 * j + 1] - points[2 * i + 1];
    const length = hypot(ex, ey) || 1e-9;
    const nx = (-ey / length) * sign;
    const ny = (ex / length) * sign;
    edges[3 * i] = nx;
    edges[3 * i + 1] = ny;
    edges[3 * i + 2] = -(nx * points[2 * i] + ny * points[2 * i + 1]);
  }
  const [x0, x1] = span(minX - 1, maxX + 1, canvas.width);
  const [y0, y1] = span(minY - 1, maxY + 1, canvas.height);
  const code = PATTERN_CODE[paint.pattern];
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const hx = max(0.5, (maxX - minX) / 2);
  const hy = max(0.5, (maxY - minY) / 2);
  const { data, width } = canvas;
  for (let y = y0; y < y1; y++) {
    const py = y + 0.5;
    const light = 1 - paint.shade * max(0, min(1, (py - minY) / (2 * hy)));
    let offset = (y * width + x0) * 3;
    for (let x = x0; x < x1; x++, offset += 3) {
      const px = x + 0.5;
      let inside = Infinity;
      for (let e = 0; e < 3 * n; e += 3) {
        const d = edges[e] * px + edges[e + 1] * py + edges[e + 2];
        if (d < inside) inside = d;
      }
      const coverage = min(1, inside + 0.5);
      if (coverage <= 0) continue;
      const useAccent = code ? accentAt(code, (px - cx) / hx, (py - cy) / hy, paint.frequency) : 0;
      blendPixel(data, offset, paint, useAccent, coverage, light);
    }
  }
}
