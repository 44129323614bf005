/**
 * People in profile: adults (tall, small head) and babies (short, big head, stubby limbs). Local units are
 * the standing height; the origin is the hip, except when tucked, where it is the middle of the curled body
 * so that rolling turns about the centre.
 */
import type { HumanAppearance } from '../actor-appearance';
import type { ActorPose } from '../actor-pose';
import { scaleRgb } from '../colour';
import type { PartFrame } from '../part-frame';
import { solidPaint } from '../raster';
import type { OutlineDisc } from './outline';

interface Point {
  x: number;
  y: number;
}

/** Joint positions of one pose, index 0 = near side, 1 = far side. */
interface HumanJoints {
  hip: Point;
  shoulder: Point;
  head: Point;
  torsoAngle: number;
  knee: [Point, Point];
  foot: [Point, Point];
  elbow: [Point, Point];
  hand: [Point, Point];
}

/** Angles from the downward vertical, positive forward; bends rotate the lower segment. */
interface LimbAngles {
  torso: number;
  headTilt: number;
  thigh: [number, number];
  knee: [number, number];
  shoulder: [number, number];
  elbow: [number, number];
}

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

function limbAngles(a: HumanAppearance, pose: ActorPose): LimbAngles {
  const { stride: s, phase, lift } = pose;
  const sides = [phase, phase + Math.PI];
  switch (pose.posture) {
    case 'crouch': {
      // Hands and knees: thighs near vertical, shins flat on the ground behind, arms straight down.
      const arm = a.upperArm + a.lowerArm;
      const torso = Math.acos(Math.max(-0.3, Math.min(0.9, (arm - a.upperLeg) / a.torso)));
      return {
        torso,
        headTilt: -0.55,
        thigh: [0.3 * s * Math.sin(sides[0]), 0.3 * s * Math.sin(sides[1])],
        knee: [Math.PI / 2 + 0.2 * s * Math.cos(sides[0]), Math.PI / 2 + 0.2 * s * Math.cos(sides[1])],
        shoulder: [0.35 * s * Math.sin(sides[1]), 0.35 * s * Math.sin(sides[0])],
        elbow: [0, 0],
      };
    }
    case 'climb':
      return {
        torso: 0.12 + pose.lean,
        headTilt: -0.3,
        thigh: [0.55 + 0.45 * Math.sin(sides[0]), 0.55 + 0.45 * Math.sin(sides[1])],
        knee: [0.9 + 0.6 * Math.sin(sides[0]), 0.9 + 0.6 * Math.sin(sides[1])],
        shoulder: [2.55 + 0.4 * Math.sin(sides[1]), 2.55 + 0.4 * Math.sin(sides[0])],
        elbow: [0.25, 0.25],
      };
    case 'tuck':
      return {
        torso: 0.85,
        headTilt: 0.5,
        thigh: [1.95, 1.85],
        knee: [2.55, 2.5],
        shoulder: [1.0, 0.9],
        elbow: [1.1, 1.2],
      };
    default: {
      const knee = (side: number) => (0.1 + 1.3 * s) * Math.max(0, Math.cos(side)) + 1.6 * lift;
      const armUp = 2.5 * lift;
      const reach = pose.reach;
      return {
        torso: pose.lean + 0.03 + 0.12 * lift,
        headTilt: 0.2 * reach,
        thigh: [0.55 * s * Math.sin(sides[0]) + 0.9 * lift, 0.55 * s * Math.sin(sides[1]) + 0.8 * lift],
        knee: [knee(sides[0]), knee(sides[1])],
        shoulder: [
          reach > 0 ? lerp(0.55, 0.2, reach) : -0.65 * s * Math.sin(sides[0]) + armUp,
          0.65 * s * Math.sin(sides[0]) + armUp * 0.9 + 0.05,
        ],
        elbow: [reach > 0 ? lerp(0.5, 2.75, reach) : 0.2 + 1.2 * s - 0.2 * lift, 0.2 + 1.2 * s - 0.2 * lift],
      };
    }
  }
}

function along(from: Point, length: number, angle: number): Point {
  return { x: from.x + length * Math.sin(angle), y: from.y + length * Math.cos(angle) };
}

function humanJoints(a: HumanAppearance, pose: ActorPose): HumanJoints {
  const angles = limbAngles(a, pose);
  const hip = { x: 0, y: 0 };
  const shoulder = { x: a.torso * Math.sin(angles.torso), y: -a.torso * Math.cos(angles.torso) };
  const headDirection = angles.torso + angles.headTilt;
  const head = {
    x: shoulder.x + (a.neck + a.headRadius) * Math.sin(headDirection),
    y: shoulder.y - (a.neck + a.headRadius) * Math.cos(headDirection),
  };
  const knee: [Point, Point] = [along(hip, a.upperLeg, angles.thigh[0]), along(hip, a.upperLeg, angles.thigh[1])];
  const foot: [Point, Point] = [
    along(knee[0], a.lowerLeg, angles.thigh[0] - angles.knee[0]),
    along(knee[1], a.lowerLeg, angles.thigh[1] - angles.knee[1]),
  ];
  const elbow: [Point, Point] = [
    along(shoulder, a.upperArm, angles.shoulder[0]),
    along(shoulder, a.upperArm, angles.shoulder[1]),
  ];
  const hand: [Point, Point] = [
    along(elbow[0], a.lowerArm, angles.shoulder[0] + angles.elbow[0]),
    along(elbow[1], a.lowerArm, angles.shoulder[1] + angles.elbow[1]),
  ];
  const joints: HumanJoints = { hip, shoulder, head, torsoAngle: angles.torso, knee, foot, elbow, hand };
  if (pose.posture === 'tuck') {
    // Rotate about the middle of the curled body, not the hip.
    const cx = (shoulder.x + knee[0].x + head.x + hip.x) / 4;
    const cy = (shoulder.y + knee[0].y + head.y + hip.y) / 4;
    for (const point of [hip, shoulder, head, ...knee, ...foot, ...elbow, ...hand]) {
      point.x -= cx;
      point.y -= cy;
    }
  }
  return joints;
}

/** The figure's extent as discs (joints padded by limb thickness). */
export function humanOutline(a: HumanAppearance, pose: ActorPose): OutlineDisc[] {
  const j = humanJoints(a, pose);
  const r = a.limbRadius;
  return [
    { ...j.head, r: a.headRadius },
    { ...j.shoulder, r: a.torsoHalfWidth },
    { ...j.hip, r: a.torsoHalfWidth },
    ...[...j.knee, ...j.foot, ...j.elbow, ...j.hand].map((p) => ({ ...p, r: r * 1.3 })),
  ];
}

/** Draws a person; far limbs are darker and behind the torso. */
export function drawHuman(frame: PartFrame, a: HumanAppearance, pose: ActorPose): void {
  const j = humanJoints(a, pose);
  const r = a.limbRadius;
  const skin = solidPaint(a.skin, 0.2);
  const bottom = solidPaint(a.bottom, 0.25);
  const shin = a.shorts ? skin : bottom;
  const shoe = solidPaint(a.shoes, 0.2);
  const far = (paint: ReturnType<typeof solidPaint>) => ({ ...paint, color: scaleRgb(paint.color, 0.72), accent: scaleRgb(paint.accent, 0.72) });

  const drawLeg = (side: 0 | 1) => {
    const dim = side === 1;
    frame.capsule(j.hip.x, j.hip.y, j.knee[side].x, j.knee[side].y, r * 1.15, dim ? far(bottom) : bottom);
    frame.capsule(j.knee[side].x, j.knee[side].y, j.foot[side].x, j.foot[side].y, r, dim ? far(shin) : shin);
    frame.ellipse(j.foot[side].x + r * 0.6, j.foot[side].y, r * 1.5, r * 0.8, 0, dim ? far(shoe) : shoe);
  };
  const drawArm = (side: 0 | 1) => {
    const dim = side === 1;
    const sleeve = { ...a.top, shade: 0.2 };
    frame.capsule(j.shoulder.x, j.shoulder.y, j.elbow[side].x, j.elbow[side].y, r, dim ? far(sleeve) : sleeve);
    frame.capsule(j.elbow[side].x, j.elbow[side].y, j.hand[side].x, j.hand[side].y, r * 0.85, dim ? far(skin) : skin);
    frame.ellipse(j.hand[side].x, j.hand[side].y, r * 1.1, r * 1.1, 0, dim ? far(skin) : skin);
  };

  drawArm(1);
  drawLeg(1);
  const torsoX = (j.hip.x + j.shoulder.x) / 2;
  const torsoY = (j.hip.y + j.shoulder.y) / 2;
  frame.box(torsoX, torsoY, a.torsoHalfWidth, a.torso / 2 + r * 0.6, j.torsoAngle, a.torsoHalfWidth * 0.8, a.top);
  // Belt line / nappy: the bottom colour reaches up over the hip.
  frame.ellipse(j.hip.x, j.hip.y, a.torsoHalfWidth * 1.05, r * 1.4, j.torsoAngle, bottom);
  drawLeg(0);

  const hr = a.headRadius;
  frame.capsule(j.shoulder.x, j.shoulder.y, j.head.x, j.head.y, hr * 0.45, skin);
  frame.ellipse(j.head.x, j.head.y, hr, hr * 1.05, 0, skin);
  const tilt = j.torsoAngle;
  const up = (dx: number, dy: number): [number, number] => [
    j.head.x + dx * Math.cos(tilt) - dy * Math.sin(tilt),
    j.head.y + dx * Math.sin(tilt) + dy * Math.cos(tilt),
  ];
  const hair = solidPaint(a.hair, 0.15);
  if (a.hairStyle === 'short' || a.hairStyle === 'long') {
    const [hx, hy] = up(-hr * 0.28, -hr * 0.38);
    frame.ellipse(hx, hy, hr * 0.88, hr * 0.72, tilt, hair);
    if (a.hairStyle === 'long') {
      const [lx, ly] = up(-hr * 0.75, hr * 0.9);
      frame.capsule(hx - hr * 0.3, hy, lx, ly, hr * 0.4, hair);
    }
  } else if (a.hairStyle === 'cap') {
    const [cx, cy] = up(-hr * 0.1, -hr * 0.55);
    frame.ellipse(cx, cy, hr * 0.95, hr * 0.6, tilt, a.top);
    const [bx, by] = up(hr * 0.75, -hr * 0.45);
    frame.box(bx, by, hr * 0.45, hr * 0.1, tilt, 0, a.top);
  }
  const [ex, ey] = up(hr * 0.55, -hr * 0.1);
  frame.ellipse(ex, ey, hr * 0.13, hr * 0.15, 0, solidPaint([30, 25, 25], 0));

  drawArm(0);
  if (pose.reach > 0) {
    frame.ellipse(j.hand[0].x + r, j.hand[0].y - r, r * 1.6, r * 1.3, 0.4, solidPaint(a.snack, 0.3));
  }
}
