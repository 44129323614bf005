/**
 * A `PartFrame` that draws every part of a figure in one opaque grey, whatever its paint (colours, patterns, shading,
 * the half-transparent highlight of a ball): drawn on black, the figure's pixels are exactly those at least half
 * covered by some part, which is what an annotator would mark as the actor.
 */
import { PartFrame } from '../part-frame';
import type { Canvas, Paint } from '../raster';

/** The grey a silhouette is drawn in: white marks the actor, black hides what lies behind (occluders). */
export type SilhouetteTone = 'white' | 'black';

function toneOf(tone: SilhouetteTone): Paint {
  const level = tone === 'white' ? 255 : 0;
  return { color: [level, level, level], accent: [level, level, level], pattern: 'plain', frequency: 1, shade: 0, opacity: 1 };
}

/** Draws a figure's parts through the same transform as `PartFrame`, all in one tone. */
export class SilhouetteFrame extends PartFrame {
  private readonly tone: Paint;

  constructor(canvas: Canvas, originX: number, originY: number, scale: number, angle: number, facing: 1 | -1, tone: SilhouetteTone) {
    super(canvas, originX, originY, scale, angle, facing);
    this.tone = toneOf(tone);
  }

  override ellipse(lx: number, ly: number, rx: number, ry: number, localAngle: number): void {
    super.ellipse(lx, ly, rx, ry, localAngle, this.tone);
  }

  override box(lx: number, ly: number, halfWidth: number, halfHeight: number, localAngle: number, corner: number): void {
    super.box(lx, ly, halfWidth, halfHeight, localAngle, corner, this.tone);
  }

  override capsule(ax: number, ay: number, bx: number, by: number, radius: number): void {
    super.capsule(ax, ay, bx, by, radius, this.tone);
  }

  override polygon(points: readonly number[]): void {
    super.polygon(points, this.tone);
  }
}

/** The one-tone paint of `tone`, for scenery shapes drawn over a silhouette. */
export function silhouettePaint(tone: SilhouetteTone): Paint {
  return toneOf(tone);
}
