/**
 * The ground truth of where each actor is in a frame: its visible pixels, drawn again as a silhouette through the
 * renderer's own geometry (`actorPlacement`, `sceneViewAt`), at the clip's output size rather than its render size,
 * so masks are as sharp as the 320-pixel frames they annotate. Visible means what a viewer sees: the actor minus the
 * actors in front of it and the foreground occluders (A2D's masks are of visible pixels too); shadows are not part
 * of an actor.
 */
import { actorPlacement, drawingOrder, sceneViewAt } from '../clip-renderer';
import type { CameraView } from '../camera';
import { drawFigure } from '../figures/actor-figure';
import { createCanvas, type Canvas } from '../raster';
import type { ClipScene, SceneActor } from '../scene';
import { drawShape } from '../shapes';
import { SilhouetteFrame, silhouettePaint, type SilhouetteTone } from './silhouette-frame';

/** A box in pixels, 0-based and inclusive: columns x1..x2 and rows y1..y2 hold the actor. */
export interface PixelBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** One actor's visible pixels in one frame. */
export interface VisibleActor {
  actor: SceneActor;
  /** True for the labelled actor (the one the clip's label is about). */
  isSubject: boolean;
  /** `width * height` bytes, row-major, 1 where the actor is visible. */
  mask: Uint8Array;
  /** Bounding box of `mask`. */
  box: PixelBox;
  /** Number of visible pixels. */
  area: number;
}

/** Size of the frames the masks annotate (the encoded clip's). */
export interface MaskSize {
  width: number;
  height: number;
}

/** Half-covered pixels belong to the actor: the silhouette is white (255) where fully covered, black where not at all. */
const COVERED = 128;

function drawSilhouette(canvas: Canvas, scene: ClipScene, actor: SceneActor, t: number, view: CameraView, zoom: number, tone: SilhouetteTone): void {
  const place = actorPlacement(actor, t, view, scene.width, scene.height);
  const frame = new SilhouetteFrame(canvas, place.screenX * zoom, place.screenY * zoom, place.scale * zoom, place.state.angle, place.state.facing, tone);
  drawFigure(frame, actor.appearance, place.state.pose);
}

function maskOf(canvas: Canvas): { mask: Uint8Array; box: PixelBox; area: number } {
  const { width, height, data } = canvas;
  const mask = new Uint8Array(width * height);
  const box = { x1: width, y1: height, x2: -1, y2: -1 };
  let area = 0;
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p++) {
      if (data[3 * p] < COVERED) continue;
      mask[p] = 1;
      area++;
      if (x < box.x1) box.x1 = x;
      if (x > box.x2) box.x2 = x;
      if (y < box.y1) box.y1 = y;
      if (y > box.y2) box.y2 = y;
    }
  }
  return { mask, box, area };
}

/**
 * The visible actors of frame `index` (0-based) at `size`, the labelled actor first, then the distractors in scene
 * order; actors with no visible pixel (out of frame, hidden) are left out. `size` must scale the render size
 * uniformly, as the encoder does.
 */
export function visibleActors(scene: ClipScene, index: number, size: MaskSize): VisibleActor[] {
  if (!Number.isInteger(index) || index < 0 || index >= scene.numFrames) {
    throw new RangeError(`frame index ${index} outside 0..${scene.numFrames - 1}`);
  }
  const zoom = size.height / scene.height;
  if (Math.abs(size.width - scene.width * zoom) > 1e-9) {
    throw new RangeError(`mask size ${size.width}x${size.height} does not scale the ${scene.width}x${scene.height} render uniformly`);
  }
  const view = sceneViewAt(scene, index);
  const t = index / scene.fps;
  const order = drawingOrder(scene);
  const canvas = createCanvas(size.width, size.height);
  const hide = silhouettePaint('black');
  const origin = { originX: view.x - scene.width / (2 * view.zoom), originY: view.y - scene.height / (2 * view.zoom), zoom: view.zoom * zoom };
  const visible: VisibleActor[] = [];
  for (const actor of [scene.subject, ...scene.distractors]) {
    canvas.data.fill(0);
    drawSilhouette(canvas, scene, actor, t, view, zoom, 'white');
    for (const front of order.slice(order.indexOf(actor) + 1)) drawSilhouette(canvas, scene, front, t, view, zoom, 'black');
    for (const shape of scene.foreground) drawShape(canvas, { ...shape, paint: hide }, origin);
    const { mask, box, area } = maskOf(canvas);
    if (area > 0) visible.push({ actor, isSubject: actor === scene.subject, mask, box, area });
  }
  return visible;
}
