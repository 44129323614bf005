/**
 * Maps an actor's own coordinates to screen pixels. Figures are drawn in local units (x forward, y down,
 * 1 = the actor's size) so one drawing serves every position, scale, facing and rotation.
 */
import { fillBox, fillCapsule, fillEllipse, fillPolygon, type Canvas, type Paint } from './raster';

/** A similarity transform (mirror for facing, uniform scale, rotation, translation) plus drawing in local units. */
export class PartFrame {
  private readonly cos: number;
  private readonly sin: number;

  constructor(
    readonly canvas: Canvas,
    /** Screen position of the local origin. */
    readonly originX: number,
    readonly originY: number,
    /** Pixels per local unit. */
    readonly scale: number,
    /** Screen rotation in radians (clockwise), applied after mirroring. */
    readonly angle: number,
    /** 1 faces right, -1 faces left (local x is mirrored). */
    readonly facing: 1 | -1,
  ) {
    this.cos = Math.cos(angle);
    this.sin = Math.sin(angle);
  }

  /** Screen x of a local point. */
  x(lx: number, ly: number): number {
    const fx = lx * this.facing;
    return this.originX + this.scale * (fx * this.cos - ly * this.sin);
  }

  /** Screen y of a local point. */
  y(lx: number, ly: number): number {
    const fx = lx * this.facing;
    return this.originY + this.scale * (fx * this.sin + ly * this.cos);
  }

  /** Screen angle of a local direction angle (mirroring reverses the turning sense). */
  screenAngle(localAngle: number): number {
    return this.facing === 1 ? this.angle + localAngle : this.angle + Math.PI - localAngle;
  }

  /** Ellipse at a local point with local radii and rotation. */
  ellipse(lx: number, ly: number, rx: number, ry: number, localAngle: number, paint: Paint, patternAngle = 0): void {
    const s = this.scale;
    fillEllipse(this.canvas, this.x(lx, ly), this.y(lx, ly), rx * s, ry * s, this.screenAngle(localAngle), paint, patternAngle);
  }

  /** Rounded box centred at a local point. */
  box(lx: number, ly: number, halfWidth: number, halfHeight: number, localAngle: number, corner: number, paint: Paint): void {
    const s = this.scale;
    fillBox(this.canvas, this.x(lx, ly), this.y(lx, ly), halfWidth * s, halfHeight * s, this.screenAngle(localAngle), corner * s, paint);
  }

  /** Capsule between two local points. */
  capsule(ax: number, ay: number, bx: number, by: number, radius: number, paint: Paint): void {
    fillCapsule(this.canvas, this.x(ax, ay), this.y(ax, ay), this.x(bx, by), this.y(bx, by), radius * this.scale, paint);
  }

  /** Convex polygon from local points [x0, y0, x1, y1, ...]. */
  polygon(points: readonly number[], paint: Paint): void {
    const screen: number[] = [];
    for (let i = 0; i < points.length; i += 2) {
      screen.push(this.x(points[i], points[i + 1]), this.y(points[i], points[i + 1]));
    }
    fillPolygon(this.canvas, screen, paint);
  }
}
