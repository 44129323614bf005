/**
 * Renders a `ClipScene` to rgb24 frames. Per clip it precomputes the backdrop (larger than the frame), a
 * vignette map and a noise tile; per frame it samples the backdrop through the camera, draws the actors
 * back to front with their shadows, the foreground, then applies light and noise in one pass.
 * Any frame can be rendered on its own: everything is a function of the frame index.
 */
import { Rng } from '@a2d/core';
import { motionAt, type MotionState } from './action-motion';
import { renderBackdrop, type WorldRect } from './backdrop';
import { cameraAt, type CameraView } from './camera';
import { drawFigure, figureOutline } from './figures/actor-figure';
import { PartFrame } from './part-frame';
import { fillEllipse, type Canvas } from './raster';
import { cameraBounds, type ClipScene, type SceneActor } from './scene';
import { drawShape } from './shapes';

// Bound once: global `Math` lookups are slow inside VM contexts (jest) and these run per pixel.
const { abs, floor, max, min, round, sin } = Math;

const NOISE_TILE = 128;

/** The scene's actors back to front, the order they are drawn in: further ground lines first; the subject wins ties. */
export function drawingOrder(scene: Pick<ClipScene, 'distractors' | 'subject'>): SceneActor[] {
  return [...scene.distractors, scene.subject].sort((a, b) => a.groundY - b.groundY);
}

/**
 * The camera view at frame `index`: the camera follows the subject's motion since its first frame (`subjectStart`,
 * computed when omitted; a renderer passes it once for all frames).
 */
export function sceneViewAt(
  scene: ClipScene,
  index: number,
  subjectStart: MotionState = motionAt(scene.subject.appearance, scene.subject.motion, 0),
): CameraView {
  const t = index / scene.fps;
  const state = motionAt(scene.subject.appearance, scene.subject.motion, t);
  const dx = (state.x - subjectStart.x) * scene.subject.scale;
  const dy = (state.y - subjectStart.y) * scene.subject.scale;
  return cameraAt(scene.camera, t, scene.numFrames / scene.fps, dx, dy);
}

/** Where an actor's figure is drawn in one frame: its motion state, the screen position of its origin, its pixels per unit. */
export interface ActorPlacement {
  state: MotionState;
  screenX: number;
  screenY: number;
  scale: number;
}

/** The placement of `actor` at time `t` seen through `view` on a `width` x `height` frame (the renderer draws it there). */
export function actorPlacement(actor: SceneActor, t: number, view: CameraView, width: number, height: number): ActorPlacement {
  const state = motionAt(actor.appearance, actor.motion, t);
  const z = view.zoom;
  return {
    state,
    screenX: width / 2 + z * (actor.startX + state.x * actor.scale - view.x),
    screenY: height / 2 + z * (actor.groundY + state.y * actor.scale - view.y),
    scale: actor.scale * z,
  };
}

/** Renders the frames of one scene. */
export class ClipRenderer {
  private readonly backdrop: Canvas;
  private readonly bounds: WorldRect;
  private readonly order: SceneActor[];
  private readonly shadowWidth: Map<SceneActor, number>;
  private readonly vignette: Uint16Array;
  private readonly noiseTile: Int8Array;
  private readonly noiseOffsets: Int32Array;
  private readonly subjectStart: MotionState;
  private readonly lut = new Uint8ClampedArray(3 * 256);

  constructor(readonly scene: ClipScene) {
    const { width, height, numFrames } = scene;
    this.bounds = cameraBounds(scene);
    this.backdrop = renderBackdrop(scene.backdrop, this.bounds);
    this.order = drawingOrder(scene);
    this.shadowWidth = new Map(
      this.order.map((actor) => {
        const rest = motionAt(actor.appearance, actor.motion, 0);
        const reach = max(...figureOutline(actor.appearance, rest.pose).map((d) => abs(d.x) + d.r));
        return [actor, reach * 0.9];
      }),
    );
    this.subjectStart = motionAt(scene.subject.appearance, scene.subject.motion, 0);

    this.vignette = new Uint16Array(width * height);
    const strength = scene.lighting.vignette;
    for (let y = 0; y < height; y++) {
      const dy = (y + 0.5) / height - 0.5;
      for (let x = 0; x < width; x++) {
        const dx = (x + 0.5) / width - 0.5;
        this.vignette[y * width + x] = round(256 * (1 - strength * min(1, 2 * (dx * dx + dy * dy))));
      }
    }

    const noise = new Rng(scene.noise.seed);
    this.noiseTile = new Int8Array(NOISE_TILE * NOISE_TILE);
    for (let i = 0; i < this.noiseTile.length; i++) {
      this.noiseTile[i] = max(-127, min(127, round(noise.normal(0, scene.noise.amplitude))));
    }
    this.noiseOffsets = new Int32Array(2 * numFrames);
    for (let i = 0; i < this.noiseOffsets.length; i++) this.noiseOffsets[i] = noise.int(0, NOISE_TILE - 1);
  }

  /** Seconds from the start to frame `index`. */
  timeOf(index: number): number {
    return index / this.scene.fps;
  }

  /** The camera view at frame `index`. */
  viewAt(index: number): CameraView {
    return sceneViewAt(this.scene, index, this.subjectStart);
  }

  /** Renders frame `index` into `out` (allocated when omitted): `width * height * 3` rgb24 bytes. */
  renderFrame(index: number, out?: Uint8Array): Uint8Array {
    const { scene } = this;
    const { width, height } = scene;
    if (!Number.isInteger(index) || index < 0 || index >= scene.numFrames) {
      throw new RangeError(`frame index ${index} outside 0..${scene.numFrames - 1}`);
    }
    const frame = out ?? new Uint8Array(width * height * 3);
    if (frame.length !== width * height * 3) {
      throw new RangeError(`frame buffer has ${frame.length} bytes, expected ${width}x${height}x3`);
    }
    const canvas: Canvas = { data: frame, width, height };
    const view = this.viewAt(index);
    this.sampleBackdrop(frame, view);
    const t = this.timeOf(index);
    for (const actor of this.order) this.drawActor(canvas, actor, t, view);
    const origin = { originX: view.x - width / (2 * view.zoom), originY: view.y - height / (2 * view.zoom), zoom: view.zoom };
    for (const shape of scene.foreground) drawShape(canvas, shape, origin);
    this.finish(frame, index, t);
    return frame;
  }

  /** Nearest-neighbour sampling of the backdrop through the camera (pan, zoom). */
  private sampleBackdrop(frame: Uint8Array, view: CameraView): void {
    const { width, height } = this.scene;
    const source = this.backdrop;
    const columns = new Int32Array(width);
    for (let x = 0; x < width; x++) {
      const wx = view.x + (x + 0.5 - width / 2) / view.zoom;
      columns[x] = 3 * max(0, min(source.width - 1, floor(wx - this.bounds.x0)));
    }
    for (let y = 0; y < height; y++) {
      const wy = view.y + (y + 0.5 - height / 2) / view.zoom;
      const row = max(0, min(source.height - 1, floor(wy - this.bounds.y0))) * source.width * 3;
      let offset = y * width * 3;
      for (let x = 0; x < width; x++, offset += 3) {
        const from = row + columns[x];
        frame[offset] = source.data[from];
        frame[offset + 1] = source.data[from + 1];
        frame[offset + 2] = source.data[from + 2];
      }
    }
  }

  private drawActor(canvas: Canvas, actor: SceneActor, t: number, view: CameraView): void {
    const { width, height } = this.scene;
    const { state, screenX, screenY, scale } = actorPlacement(actor, t, view, width, height);
    if (actor.motion.kind !== 'climbing') {
      const groundY = height / 2 + view.zoom * (actor.groundY - view.y);
      const shadow = (this.shadowWidth.get(actor) ?? 0.3) * scale;
      fillEllipse(canvas, screenX, groundY, shadow, shadow * 0.16, 0, {
        color: [0, 0, 0],
        accent: [0, 0, 0],
        pattern: 'plain',
        frequency: 1,
        shade: 0,
        opacity: 0.3 / (1 + 1.5 * state.airborne),
      });
    }
    drawFigure(new PartFrame(canvas, screenX, screenY, scale, state.angle, state.facing), actor.appearance, state.pose);
  }

  /** Light (gain, contrast, tint, flicker, drift), vignette and sensor noise in one pass. */
  private finish(frame: Uint8Array, index: number, t: number): void {
    const { width, height, lighting, numFrames, fps } = this.scene;
    const duration = numFrames / fps;
    const gain =
      lighting.gain *
      (1 + lighting.drift * (duration > 0 ? t / duration - 0.5 : 0)) *
      (1 + lighting.flicker * sin(2 * Math.PI * lighting.flickerFrequency * t));
    const lut = this.lut;
    for (let c = 0; c < 3; c++) {
      const k = gain * lighting.tint[c];
      for (let v = 0; v < 256; v++) lut[c * 256 + v] = ((v / 255 - 0.5) * lighting.contrast + 0.5) * 255 * k;
    }
    const out = new Uint8ClampedArray(frame.buffer, frame.byteOffset, frame.length);
    const tile = this.noiseTile;
    const ox = this.noiseOffsets[2 * index];
    const oy = this.noiseOffsets[2 * index + 1];
    const vignette = this.vignette;
    for (let y = 0; y < height; y++) {
      const tileRow = ((y + oy) & (NOISE_TILE - 1)) * NOISE_TILE;
      let offset = y * width * 3;
      let pixel = y * width;
      for (let x = 0; x < width; x++, offset += 3, pixel++) {
        const n = tile[tileRow + ((x + ox) & (NOISE_TILE - 1))];
        const v = vignette[pixel];
        out[offset] = ((lut[frame[offset]] * v) >> 8) + n;
        out[offset + 1] = ((lut[256 + frame[offset + 1]] * v) >> 8) + n;
        out[offset + 2] = ((lut[512 + frame[offset + 2]] * v) >> 8) + n;
      }
    }
  }
}
