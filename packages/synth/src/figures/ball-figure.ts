/** A ball: a disc whose pattern turns with its spin, with a fixed highlight so it reads as a sphere. */
import type { BallAppearance } from '../actor-appearance';
import type { ActorPose } from '../actor-pose';
import type { PartFrame } from '../part-frame';
import { solidPaint } from '../raster';
import type { OutlineDisc } from './outline';

/** The ball's extent (squash flattens it against the ground). */
export function ballOutline(_a: BallAppearance, pose: ActorPose): OutlineDisc[] {
  return [{ x: 0, y: 0, r: 0.5 * (1 - pose.squash) }];
}

/** Draws a ball; local units are its diameter, the origin its centre. */
export function drawBall(frame: PartFrame, a: BallAppearance, pose: ActorPose): void {
  const rx = 0.5 * (1 + 0.6 * pose.squash);
  const ry = 0.5 * (1 - pose.squash);
  // The pattern turns with the spin on screen whichever way the ball faces.
  frame.ellipse(0, 0, rx, ry, 0, a.paint, pose.spin * frame.facing);
  frame.ellipse(-0.17 * frame.facing, -0.2, 0.13, 0.09, -0.5, { ...solidPaint([255, 255, 255], 0), opacity: 0.4 });
}
