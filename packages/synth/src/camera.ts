/**
 * The virtual camera: a view centre and zoom per instant. It follows a share of the labelled actor's
 * displacement (0 = tripod, 1 = locked on), may pan on its own, zooms slowly, and shakes like a hand-held
 * phone. Pure functions of time, so any frame can be rendered on its own.
 */

/** The random parameters of the camera over a clip (world pixels at zoom 1, seconds). */
export interface CameraPlan {
  /** View centre at t = 0. */
  x0: number;
  y0: number;
  /** Share of the actor's horizontal / vertical displacement the view follows. */
  trackX: number;
  trackY: number;
  /** Own panning speed, pixels per second. */
  panX: number;
  /** Zoom at the start and the end (eased in between). */
  zoomStart: number;
  zoomEnd: number;
  /** Hand-held shake amplitude in pixels, its rate (Hz) and phase. */
  shake: number;
  shakeFrequency: number;
  shakePhase: number;
}

/** Where the camera looks at one instant. */
export interface CameraView {
  /** World position of the frame centre. */
  x: number;
  y: number;
  zoom: number;
}

/** A camera that never moves (tests, and a building block for planning). */
export function tripodCamera(x0: number, y0: number, zoom = 1): CameraPlan {
  return { x0, y0, trackX: 0, trackY: 0, panX: 0, zoomStart: zoom, zoomEnd: zoom, shake: 0, shakeFrequency: 0, shakePhase: 0 };
}

/** Zoom at `t` of a clip lasting `duration` seconds. */
export function zoomAt(plan: CameraPlan, t: number, duration: number): number {
  const u = duration > 0 ? Math.max(0, Math.min(1, t / duration)) : 0;
  const eased = u * u * (3 - 2 * u);
  return plan.zoomStart + (plan.zoomEnd - plan.zoomStart) * eased;
}

/** The view at `t`, given the tracked actor's displacement (dx, dy) since the start, in world pixels. */
export function cameraAt(plan: CameraPlan, t: number, duration: number, dx: number, dy: number): CameraView {
  const w = 2 * Math.PI * plan.shakeFrequency * t + plan.shakePhase;
  const shakeX = plan.shake * (Math.sin(w) + 0.5 * Math.sin(2.3 * w + 1));
  const shakeY = plan.shake * (Math.cos(1.3 * w) + 0.5 * Math.sin(3.1 * w + 2));
  return {
    x: plan.x0 + plan.trackX * dx + plan.panX * t + shakeX,
    y: plan.y0 + plan.trackY * dy + shakeY,
    zoom: zoomAt(plan, t, duration),
  };
}
