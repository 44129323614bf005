/**
 * A clip's scene as plain data: the labelled actor with its motion, look-alike distractors, the backdrop,
 * foreground occluders, camera, lighting and sensor noise. `composeScene` draws all of it from one `Rng`, and
 * plans the camera so the labelled actor stays in frame for the whole clip.
 */
import { ACTORS, type ActorName, type Rng, type VideoActionName } from '@a2d/core';
import { sampleMotionPlan, motionAt, type MotionPlan, type MotionState } from './action-motion';
import { actionProps } from './action-props';
import { sampleAppearance, type ActorAppearance } from './actor-appearance';
import type { BackdropPlan, WorldRect } from './backdrop';
import { sampleBackdrop } from './backdrop-layout';
import { cameraAt, type CameraPlan } from './camera';
import { DIFFICULTIES, type Difficulty } from './difficulty';
import { withDistinctLook } from './distinct-looks';
import { figureOutline } from './figures/actor-figure';
import { occluderShapes } from './foreground';
import type { Shape } from './shapes';

/** One actor placed in the world. */
export interface SceneActor {
  appearance: ActorAppearance;
  motion: MotionPlan;
  /** World x where its motion starts. */
  startX: number;
  /** World y of the ground it stands on (0 for the labelled actor; lower values are further away). */
  groundY: number;
  /** Pixels per actor size unit at zoom 1. */
  scale: number;
}

/** Global light over the clip: gain, contrast, colour cast, flicker, a slow drift and a vignette. */
export interface LightingPlan {
  gain: number;
  contrast: number;
  /** Per-channel multipliers (colour cast). */
  tint: [number, number, number];
  /** Relative brightness flicker amplitude and rate (Hz). */
  flicker: number;
  flickerFrequency: number;
  /** Relative brightness change from the start to the end of the clip. */
  drift: number;
  /** Darkening of the corners, 0..1. */
  vignette: number;
}

/** Sensor noise: standard deviation in grey levels and the seed of its pattern. */
export interface NoisePlan {
  amplitude: number;
  seed: number;
}

/** Everything needed to render a clip, frame by frame. */
export interface ClipScene {
  /** Render size in pixels (ffmpeg scales it to the output height). */
  width: number;
  height: number;
  fps: number;
  numFrames: number;
  backdrop: BackdropPlan;
  /** The actor the label is about; the camera follows it. */
  subject: SceneActor;
  /** Other actors, mostly still, often of a look-alike kind. */
  distractors: SceneActor[];
  /** Shapes between the camera and the actors. */
  foreground: Shape[];
  camera: CameraPlan;
  lighting: LightingPlan;
  noise: NoisePlan;
}

/** What a scene is composed for. */
export interface SceneRequest {
  actor: ActorName;
  action: VideoActionName;
  width: number;
  height: number;
  fps: number;
  numFrames: number;
  /** How much confusion the scene holds (see `difficulty.ts`). */
  difficulty: Difficulty;
}

/** Kinds that are easy to confuse with each actor; distractors favour them. */
export const LOOK_ALIKES: Readonly<Record<ActorName, readonly ActorName[]>> = {
  adult: ['baby'],
  baby: ['adult'],
  ball: ['bird', 'ball'],
  bird: ['ball', 'bird'],
  car: ['car', 'adult'],
  cat: ['dog'],
  dog: ['cat'],
};

interface Extent {
  halfWidth: number;
  top: number;
  bottom: number;
}

/** The subject's extent around its origin, in pixels, from its outline in the first frame. */
function extentOf(appearance: ActorAppearance, state: MotionState, scale: number): Extent {
  let halfWidth = 0;
  let top = 0;
  let bottom = 0;
  for (const disc of figureOutline(appearance, state.pose)) {
    const reach = Math.hypot(disc.x, disc.y) + disc.r;
    halfWidth = Math.max(halfWidth, Math.abs(disc.x) + disc.r);
    if (state.angle !== 0) halfWidth = Math.max(halfWidth, reach);
    top = Math.max(top, state.angle !== 0 ? reach : -(disc.y - disc.r));
    bottom = Math.max(bottom, state.angle !== 0 ? reach : disc.y + disc.r);
  }
  return { halfWidth: halfWidth * scale, top: top * scale, bottom: bottom * scale };
}

/** Picks camera tracking and start so every frame keeps the subject inside the margins. */
function planCamera(
  rng: Rng,
  request: SceneRequest,
  track: { x: Float64Array; y: Float64Array },
  extent: Extent,
  groundFraction: number,
): CameraPlan {
  const { width: w, height: h, fps, numFrames } = request;
  const zoomStart = rng.bool(0.4) ? 1 : rng.uniform(0.95, 1.15);
  const zoomEnd = rng.bool(0.5) ? zoomStart : zoomStart * rng.uniform(0.88, 1.15);
  const zoomMax = Math.max(zoomStart, zoomEnd);
  const shake = rng.bool(0.4) ? rng.uniform(0.3, 1.5) * (h / 160) : 0;
  let panX = rng.bool(0.25) ? rng.uniform(-0.08, 0.08) * w : 0;
  const baseTrack = rng.pick([0, 0, 0.3, 0.6, 0.9]);
  const marginX = w / (2 * zoomMax) - extent.halfWidth - 0.04 * w - shake * 2;

  let trackX = 1;
  let x0 = 0;
  let found = false;
  for (let k = baseTrack; k <= 1.0001 && !found; k += 0.1) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < numFrames; i++) {
      const rel = (1 - k) * track.x[i] + k * track.x[0] - panX * (i / fps);
      lo = Math.min(lo, rel);
      hi = Math.max(hi, rel);
    }
    const halfRange = (hi - lo) / 2;
    if (halfRange <= marginX) {
      trackX = Math.min(1, k);
      x0 = (lo + hi) / 2 + rng.uniform(-0.7, 0.7) * Math.max(0, marginX - halfRange);
      found = true;
    }
  }
  if (!found) {
    panX = 0;
    trackX = 1;
    x0 = 0;
  }

  const y0Ground = -(groundFraction - 0.5) * (h / zoomStart);
  const top = 0.04 * h;
  const bottom = 0.98 * h;
  let trackY = 1;
  let y0 = y0Ground;
  for (const k of [0, 0.25, 0.5, 0.75, 1]) {
    let fits = true;
    for (let i = 0; i < numFrames && fits; i++) {
      const rel = (1 - k) * track.y[i] + k * track.y[0] - y0Ground;
      const upper = h / 2 + zoomMax * (rel - extent.top);
      const lower = h / 2 + zoomMax * (rel + extent.bottom);
      fits = upper >= top && lower <= bottom;
    }
    if (fits) {
      trackY = k;
      break;
    }
    if (k === 1) y0 = track.y[0] + (extent.bottom - extent.top) / 2;
  }
  return {
    x0,
    y0,
    trackX,
    trackY,
    panX,
    zoomStart,
    zoomEnd,
    shake,
    shakeFrequency: rng.uniform(0.3, 1.2),
    shakePhase: rng.uniform(0, 2 * Math.PI),
  };
}

/** The world rectangle the camera sees over the clip (with a small margin for rounding and shake). */
export function cameraBounds(scene: Pick<ClipScene, 'camera' | 'subject' | 'width' | 'height' | 'fps' | 'numFrames'>): WorldRect {
  const { camera, subject, width, height, fps, numFrames } = scene;
  const duration = numFrames / fps;
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const start = motionAt(subject.appearance, subject.motion, 0);
  for (let i = 0; i < numFrames; i++) {
    const state = motionAt(subject.appearance, subject.motion, i / fps);
    const view = cameraAt(camera, i / fps, duration, (state.x - start.x) * subject.scale, (state.y - start.y) * subject.scale);
    x0 = Math.min(x0, view.x - width / (2 * view.zoom));
    x1 = Math.max(x1, view.x + width / (2 * view.zoom));
    y0 = Math.min(y0, view.y - height / (2 * view.zoom));
    y1 = Math.max(y1, view.y + height / (2 * view.zoom));
  }
  const left = Math.floor(x0) - 4;
  const topY = Math.floor(y0) - 4;
  return { x0: left, y0: topY, width: Math.ceil(x1) + 4 - left, height: Math.ceil(y1) + 4 - topY };
}

function sampleLighting(rng: Rng): LightingPlan {
  const flickers = rng.bool(0.2);
  return {
    gain: rng.uniform(0.7, 1.2),
    contrast: rng.uniform(0.8, 1.15),
    tint: [rng.uniform(0.9, 1.1), rng.uniform(0.92, 1.08), rng.uniform(0.88, 1.12)],
    flicker: flickers ? rng.uniform(0.02, 0.06) : 0,
    flickerFrequency: rng.uniform(1, 4),
    drift: rng.uniform(-0.12, 0.12),
    vignette: rng.bool(0.5) ? rng.uniform(0.1, 0.4) : 0,
  };
}

/** Draws a complete random scene of `request.actor` doing `request.action`. */
export function composeScene(rng: Rng, request: SceneRequest): ClipScene {
  const { width: w, height: h, fps, numFrames, actor, action } = request;
  const difficulty = DIFFICULTIES[request.difficulty];
  const drawn = sampleAppearance(rng.fork('appearance'), actor);
  const appearance = difficulty.distinctLooks ? withDistinctLook(drawn, rng.fork('distinct-look')) : drawn;
  const layout = rng.fork('layout');
  // Airborne cars and balls are seen from further away, so they have room to fly in the frame.
  const distance = layout.uniform(difficulty.subjectDistance[0], difficulty.subjectDistance[1]);
  const scale = Math.min(Math.max(appearance.size * distance, difficulty.minSubjectSize) * h, action === 'flying' ? 0.3 * h : Infinity);
  const groundFraction = layout.uniform(0.72, 0.9);
  const horizonY = -layout.uniform(0.12, 0.35) * h;
  const maxAltitude = Math.max(0.3, ((groundFraction - 0.12) * h - 0.6 * scale) / scale);
  const motion = sampleMotionPlan(rng.fork('motion'), appearance, action, { maxAltitude });
  const subject: SceneActor = { appearance, motion, startX: 0, groundY: 0, scale };

  const track = { x: new Float64Array(numFrames), y: new Float64Array(numFrames) };
  for (let i = 0; i < numFrames; i++) {
    const state = motionAt(appearance, motion, i / fps);
    track.x[i] = state.x * scale;
    track.y[i] = state.y * scale;
  }
  const extent = extentOf(appearance, motionAt(appearance, motion, 0), scale);
  const camera = planCamera(rng.fork('camera'), request, track, extent, groundFraction);
  const base = { camera, subject, width: w, height: h, fps, numFrames };
  const bounds = cameraBounds(base);

  const props = actionProps(rng.fork('props'), actor, action, { scale, facing: motion.facing, topY: bounds.y0 });
  const backdrop = sampleBackdrop(rng.fork('backdrop'), { frameHeight: h, bounds, horizonY }, props);

  const others = rng.fork('distractors');
  const distractors: SceneActor[] = [];
  const count = others.weightedIndex(difficulty.distractorWeights);
  for (let i = 0; i < count; i++) {
    const kind = others.bool(difficulty.lookAlikeProb) ? others.pick(LOOK_ALIKES[actor]) : others.pick(ACTORS);
    const look = sampleAppearance(others, kind);
    const behind = others.bool(0.65);
    const groundY = behind ? others.uniform(horizonY * 0.85, -0.02 * h) : others.uniform(0.02, 0.1) * h;
    const perspective = behind ? 0.35 + 0.65 * (groundY - horizonY) / -horizonY : Math.min(1.3, 1 + (0.65 * groundY) / -horizonY);
    const lookScale = look.size * others.uniform(0.8, 1.2) * h * perspective;
    const frameAt = others.int(0, numFrames - 1);
    const view = cameraAt(camera, frameAt / fps, numFrames / fps, track.x[frameAt] - track.x[0], track.y[frameAt] - track.y[0]);
    let x = view.x + others.uniform(-0.4, 0.4) * (w / view.zoom);
    const gap = 0.3 * (scale + lookScale);
    if (Math.abs(x - track.x[0]) < gap) x = track.x[0] + (others.bool() ? gap : -gap);
    distractors.push({
      appearance: look,
      motion: sampleMotionPlan(others, look, 'idle', { maxAltitude: 0 }),
      startX: x,
      groundY,
      scale: lookScale,
    });
  }

  const fore = rng.fork('foreground');
  const foreground: Shape[] = [];
  if (fore.bool(difficulty.occluderProb)) {
    const at = fore.int(Math.floor(numFrames * 0.2), Math.max(0, Math.floor(numFrames * 0.8) - 1));
    foreground.push(
      ...occluderShapes(fore, { x: track.x[at], baseY: fore.uniform(0.04, 0.12) * h, topY: bounds.y0, actorScale: scale }),
    );
  }

  const look = rng.fork('look');
  return {
    width: w,
    height: h,
    fps,
    numFrames,
    backdrop,
    subject,
    distractors,
    foreground,
    camera,
    lighting: sampleLighting(look),
    noise: { amplitude: look.bool(0.6) ? look.uniform(0.5, 5) : 0, seed: look.int(0, 2 ** 31 - 1) },
  };
}
