/**
 * Scenery as plain data: each shape is a primitive in world pixels (zoom 1) with its paint. The backdrop
 * bakes its shapes once per clip; foreground occluders are redrawn per frame through the camera.
 */
import { fillBox, fillCapsule, fillEllipse, fillPolygon, type Canvas, type Paint } from './raster';

/** One primitive of scenery, in world coordinates. */
export type Shape =
  | { type: 'ellipse'; cx: number; cy: number; rx: number; ry: number; angle: number; paint: Paint }
  | { type: 'box'; cx: number; cy: number; halfWidth: number; halfHeight: number; angle: number; corner: number; paint: Paint }
  | { type: 'capsule'; ax: number; ay: number; bx: number; by: number; radius: number; paint: Paint }
  | { type: 'polygon'; points: number[]; paint: Paint };

/** Where world coordinates land on a canvas: `screen = (world - origin) * zoom`. */
export interface ShapeView {
  originX: number;
  originY: number;
  zoom: number;
}

/** Draws a shape through a view. */
export function drawShape(canvas: Canvas, shape: Shape, view: ShapeView): void {
  const { originX, originY, zoom } = view;
  const sx = (x: number) => (x - originX) * zoom;
  const sy = (y: number) => (y - originY) * zoom;
  switch (shape.type) {
    case 'ellipse':
      fillEllipse(canvas, sx(shape.cx), sy(shape.cy), shape.rx * zoom, shape.ry * zoom, shape.angle, shape.paint);
      return;
    case 'box':
      fillBox(canvas, sx(shape.cx), sy(shape.cy), shape.halfWidth * zoom, shape.halfHeight * zoom, shape.angle, shape.corner * zoom, shape.paint);
      return;
    case 'capsule':
      fillCapsule(canvas, sx(shape.ax), sy(shape.ay), sx(shape.bx), sy(shape.by), shape.radius * zoom, shape.paint);
      return;
    case 'polygon':
      fillPolygon(
        canvas,
        shape.points.map((value, i) => (i % 2 === 0 ? sx(value) : sy(value))),
        shape.paint,
      );
      return;
  }
}
