/** A bird in profile: body, head, beak, tail, legs, and wings that fold when perched and beat in flight. */
import type { BirdAppearance } from '../actor-appearance';
import type { ActorPose } from '../actor-pose';
import { scaleRgb } from '../colour';
import type { PartFrame } from '../part-frame';
import { solidPaint } from '../raster';
import type { OutlineDisc } from './outline';

/** Body pitch: perched birds hold the head up; flying and tumbling ones lie flat. */
function pitchOf(pose: ActorPose): number {
  return pose.posture === 'flight' || pose.posture === 'tuck' ? 0 : -0.35;
}

function rotate(x: number, y: number, angle: number): [number, number] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [x * c - y * s, x * s + y * c];
}

function legsVisible(pose: ActorPose): boolean {
  return pose.posture !== 'flight' && pose.posture !== 'tuck';
}

/** The figure's extent as discs. */
export function birdOutline(a: BirdAppearance, pose: ActorPose): OutlineDisc[] {
  const pitch = pitchOf(pose);
  const [hx, hy] = rotate(0.28, -0.18, pitch);
  const discs: OutlineDisc[] = [
    { x: 0, y: 0, r: a.bodyHalfHeight },
    { x: hx, y: hy, r: a.headRadius },
    { x: 0.2, y: 0, r: a.bodyHalfHeight * 0.8 },
    { x: -0.2, y: 0, r: a.bodyHalfHeight * 0.8 },
  ];
  if (legsVisible(pose)) discs.push({ x: 0, y: a.bodyHalfHeight * 0.75 + a.legLength * (1 - 0.6 * pose.lift), r: 0.02 });
  return discs;
}

/** Draws a bird. */
export function drawBird(frame: PartFrame, a: BirdAppearance, pose: ActorPose): void {
  const pitch = pitchOf(pose);
  const ry = a.bodyHalfHeight;
  const spread = pose.posture === 'flight' || pose.wing !== 0;
  const shoulder = rotate(0.03, -ry * 0.55, pitch);
  const drawWing = (angle: number, paint: typeof a.wing) => {
    const dx = -Math.cos(angle);
    const dy = -Math.sin(angle);
    const length = a.wingLength;
    frame.ellipse(shoulder[0] + dx * length * 0.5, shoulder[1] + dy * length * 0.5, length * 0.52, 0.1, Math.atan2(dy, dx), paint);
  };
  const farWing = { ...a.wing, color: scaleRgb(a.wing.color, 0.7), accent: scaleRgb(a.wing.accent, 0.7) };
  if (spread) drawWing(pose.wing * 0.85 + 0.25, farWing);

  // Tail: a wedge behind the body.
  const [t0x, t0y] = rotate(-0.22, -0.03, pitch);
  const [t1x, t1y] = rotate(-0.22 - a.tailLength, -0.07, pitch + 0.2);
  const [t2x, t2y] = rotate(-0.22 - a.tailLength, 0.05, pitch + 0.2);
  const [t3x, t3y] = rotate(-0.2, 0.06, pitch);
  frame.polygon([t0x, t0y, t1x, t1y, t2x, t2y, t3x, t3y], solidPaint(scaleRgb(a.wing.color, 0.9), 0.2));

  if (legsVisible(pose)) {
    const legs = solidPaint(a.legs, 0.1);
    const top = ry * 0.7;
    const length = a.legLength * (1 - 0.6 * pose.lift);
    for (const side of [1, 0]) {
      const swing = 0.09 * pose.stride * Math.sin(pose.phase + side * Math.PI);
      frame.capsule(0.02 + side * 0.03, top, 0.02 + swing + side * 0.03, top + length, 0.018, side ? { ...legs, color: scaleRgb(a.legs, 0.7) } : legs);
      frame.capsule(0.02 + swing + side * 0.03, top + length, 0.09 + swing + side * 0.03, top + length, 0.014, legs);
    }
  }

  frame.ellipse(0, 0, 0.31, ry, pitch, a.body);
  const [bx, by] = rotate(0.1, ry * 0.35, pitch);
  frame.ellipse(bx, by, 0.18, ry * 0.6, pitch, solidPaint(a.breast, 0.15));

  const [hx0, hy0] = rotate(0.28, -0.18, pitch);
  const hx = hx0 + 0.06 * pose.headBob;
  const hy = hy0 + 0.04 * Math.max(0, pose.reach) * 3;
  const hr = a.headRadius;
  const peck = 0.9 * pose.reach;
  frame.ellipse(hx, hy, hr, hr, 0, solidPaint(a.head, 0.2));
  const bc = Math.cos(peck);
  const bs = Math.sin(peck);
  const beak = (x: number, y: number): [number, number] => [hx + x * bc - y * bs, hy + x * bs + y * bc];
  frame.polygon([...beak(hr * 0.75, -hr * 0.3), ...beak(hr * 0.75 + a.beakLength, 0), ...beak(hr * 0.75, hr * 0.25)], solidPaint(a.beak, 0.1));
  frame.ellipse(hx + hr * 0.4, hy - hr * 0.2, hr * 0.22, hr * 0.22, 0, solidPaint([245, 245, 240], 0));
  frame.ellipse(hx + hr * 0.45, hy - hr * 0.2, hr * 0.13, hr * 0.13, 0, solidPaint([15, 15, 15], 0));

  if (spread) drawWing(pose.wing, a.wing);
  else {
    const [wx, wy] = rotate(-0.07, -0.02, pitch);
    frame.ellipse(wx, wy, 0.26, ry * 0.6, pitch + 0.15, a.wing);
  }
}
