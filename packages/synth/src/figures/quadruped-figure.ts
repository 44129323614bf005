/**
 * Cats and dogs share one four-legged figure; only their appearance values and, above all, their motion
 * (gait rate, bounce, tail carriage and wag, crouch) differ. Local units are body lengths; the origin is the
 * body centre.
 */
import type { QuadrupedAppearance } from '../actor-appearance';
import type { ActorPose } from '../actor-pose';
import { scaleRgb } from '../colour';
import type { PartFrame } from '../part-frame';
import { solidPaint, type Paint } from '../raster';
import type { OutlineDisc } from './outline';

interface Leg {
  front: boolean;
  near: boolean;
  hipX: number;
  hipY: number;
  kneeX: number;
  kneeY: number;
  footX: number;
  footY: number;
}

/** Gait phase offsets (radians) of [near front, far front, near hind, far hind]. */
const WALK_OFFSETS = [Math.PI / 2, (3 * Math.PI) / 2, 0, Math.PI];
const BOUND_OFFSETS = [0, 0.45, Math.PI, Math.PI + 0.45];

function legs(a: QuadrupedAppearance, pose: ActorPose): Leg[] {
  const tucked = pose.posture === 'tuck';
  const crouch = pose.posture === 'crouch' ? Math.max(0.75, pose.crouch) : tucked ? 1 : pose.crouch;
  const offsets = pose.stride > 0.75 ? BOUND_OFFSETS : WALK_OFFSETS;
  const half = a.legLength / 2;
  const result: Leg[] = [];
  for (let i = 0; i < 4; i++) {
    const front = i < 2;
    const near = i % 2 === 0;
    const phase = pose.phase + offsets[i];
    const swing = 0.5 * pose.stride * Math.sin(phase);
    const bend = (0.2 + 0.9 * pose.stride) * Math.max(0, Math.cos(phase));
    let upper: number;
    let lower: number;
    if (front) {
      upper = swing - 0.9 * crouch + 0.95 * pose.lift - (tucked ? 0.9 : 0);
      lower = upper - bend + 1.8 * crouch + (tucked ? 1.2 : 0);
    } else {
      upper = swing + 0.3 + 0.95 * crouch - 0.95 * pose.lift + (tucked ? 0.6 : 0);
      lower = upper - 0.65 - 1.9 * crouch - 0.5 * bend;
    }
    const hipX = front ? 0.21 : -0.21;
    const hipY = 0.02;
    const kneeX = hipX + half * Math.sin(upper);
    const kneeY = hipY + half * Math.cos(upper);
    result.push({
      front,
      near,
      hipX: hipX + (near ? 0 : front ? -0.03 : 0.03),
      hipY,
      kneeX,
      kneeY,
      footX: kneeX + half * Math.sin(lower),
      footY: kneeY + half * Math.cos(lower),
    });
  }
  return result;
}

function headCentre(a: QuadrupedAppearance, pose: ActorPose, clearance: number): { x: number; y: number } {
  const upX = 0.36;
  const upY = -0.13 - 0.25 * a.headRadius + 0.05 * pose.crouch;
  const downX = 0.44;
  const downY = clearance - a.headRadius * 1.2;
  const t = Math.max(0, Math.min(1, pose.reach));
  return { x: upX + (downX - upX) * t + 0.025 * pose.headBob, y: upY + (downY - upY) * t };
}

function footClearance(a: QuadrupedAppearance, pose: ActorPose): number {
  return Math.max(...legs(a, { ...pose, stride: 0, phase: 0 }).map((leg) => leg.footY)) + a.legRadius;
}

/** The figure's extent as discs. */
export function quadrupedOutline(a: QuadrupedAppearance, pose: ActorPose): OutlineDisc[] {
  const discs: OutlineDisc[] = [
    { x: 0.2, y: 0, r: a.bodyHalfHeight },
    { x: -0.2, y: 0, r: a.bodyHalfHeight },
    { ...headCentre(a, pose, footClearance(a, pose)), r: a.headRadius },
  ];
  for (const leg of legs(a, pose)) discs.push({ x: leg.footX, y: leg.footY, r: a.legRadius });
  return discs;
}

function dim(paint: Paint): Paint {
  return { ...paint, color: scaleRgb(paint.color, 0.7), accent: scaleRgb(paint.accent, 0.7) };
}

/** Draws a cat or dog in profile. */
export function drawQuadruped(frame: PartFrame, a: QuadrupedAppearance, pose: ActorPose): void {
  const legList = legs(a, pose);
  const coat = a.coat;
  const plainCoat = solidPaint(coat.color, 0.25);
  const r = a.legRadius;
  const drawLeg = (leg: Leg) => {
    const paint = leg.near ? plainCoat : dim(plainCoat);
    frame.capsule(leg.hipX, leg.hipY, leg.kneeX, leg.kneeY, r * 1.25, paint);
    frame.capsule(leg.kneeX, leg.kneeY, leg.footX, leg.footY, r, paint);
    frame.ellipse(leg.footX + r * 0.5, leg.footY, r * 1.3, r * 0.85, 0, leg.near ? solidPaint(a.belly, 0.2) : dim(plainCoat));
  };

  // Tail first: it sits behind the body.
  const segments = 4;
  let tx = -0.3;
  let ty = -0.04;
  let angle = pose.tail;
  for (let i = 0; i < segments; i++) {
    const length = a.tailLength / segments;
    const nx = tx - length * Math.cos(angle);
    const ny = ty - length * Math.sin(angle);
    frame.capsule(tx, ty, nx, ny, a.tailRadius * (1 - 0.15 * i), i === segments - 1 ? { ...plainCoat, color: coat.accent } : plainCoat);
    tx = nx;
    ty = ny;
    angle += a.tailCurl;
  }

  for (const leg of legList) if (!leg.near) drawLeg(leg);
  frame.ellipse(0, 0, 0.33, a.bodyHalfHeight, 0, coat);
  frame.ellipse(0.02, a.bodyHalfHeight * 0.5, 0.24, a.bodyHalfHeight * 0.45, 0, { ...solidPaint(a.belly, 0.1), opacity: 0.85 });
  for (const leg of legList) if (leg.near) drawLeg(leg);

  const clearance = footClearance(a, pose);
  const head = headCentre(a, pose, clearance);
  const hr = a.headRadius;
  frame.capsule(0.22, -0.03, head.x - hr * 0.3, head.y + hr * 0.2, hr * 0.75, plainCoat);
  const earPaint = solidPaint(scaleRgb(coat.color, 0.85), 0.1);
  if (a.ears === 'pointed') {
    const e = a.earSize;
    frame.polygon([head.x - hr * 0.75, head.y - hr * 0.5, head.x - hr * 0.2, head.y - hr * 0.85, head.x - hr * 0.55, head.y - hr * 0.7 - e], dim(earPaint));
  }
  frame.ellipse(head.x, head.y, hr * 1.08, hr, 0, coat);
  const snoutX = head.x + hr * 0.75 + a.snoutLength * 0.45;
  const snoutY = head.y + hr * 0.3;
  frame.ellipse(snoutX, snoutY, hr * 0.4 + a.snoutLength * 0.5, hr * 0.48, 0.1, solidPaint(a.belly, 0.15));
  frame.ellipse(snoutX + hr * 0.35 + a.snoutLength * 0.5, snoutY - hr * 0.12, hr * 0.16, hr * 0.13, 0, solidPaint([25, 20, 20], 0));
  frame.ellipse(head.x + hr * 0.45, head.y - hr * 0.2, hr * 0.17, hr * 0.17, 0, solidPaint(a.eye, 0));
  if (a.ears === 'pointed') {
    const e = a.earSize;
    frame.polygon([head.x - hr * 0.45, head.y - hr * 0.7, head.x + hr * 0.2, head.y - hr * 0.85, head.x - hr * 0.15, head.y - hr * 0.75 - e], earPaint);
  } else {
    frame.ellipse(head.x - hr * 0.35, head.y + hr * 0.15, hr * 0.38, a.earSize * 0.9 + hr * 0.3, 0.35, earPaint);
  }
}
