/** A car in profile: body, cabin with windows, lights, and wheels whose hubs show their rotation. */
import type { CarAppearance } from '../actor-appearance';
import type { ActorPose } from '../actor-pose';
import { scaleRgb } from '../colour';
import type { PartFrame } from '../part-frame';
import { solidPaint } from '../raster';
import type { OutlineDisc } from './outline';

function wheelCentres(a: CarAppearance): [number, number][] {
  const y = a.bodyHalfHeight * 0.85;
  return [
    [0.31, y],
    [-0.31, y],
  ];
}

function cabinCentreY(a: CarAppearance): number {
  return -a.bodyHalfHeight - a.cabinHalfHeight * 0.8;
}

/** The car's extent as discs (wheels, body corners, cabin corners). */
export function carOutline(a: CarAppearance): OutlineDisc[] {
  const cy = cabinCentreY(a);
  const discs: OutlineDisc[] = wheelCentres(a).map(([x, y]) => ({ x, y, r: a.wheelRadius }));
  for (const sx of [-1, 1]) {
    for (const sy of [-1, 1]) discs.push({ x: sx * 0.47, y: sy * a.bodyHalfHeight * 0.8, r: a.bodyHalfHeight * 0.25 });
    discs.push({ x: a.cabinOffset + sx * a.cabinHalfLength * 0.9, y: cy - a.cabinHalfHeight * 0.8, r: a.cabinHalfHeight * 0.2 });
  }
  return discs;
}

/** Draws a car; local units are its length, the origin the centre of the lower body. */
export function drawCar(frame: PartFrame, a: CarAppearance, pose: ActorPose): void {
  const body = solidPaint(a.body, 0.3);
  const wheels = wheelCentres(a);
  for (const [x, y] of wheels) frame.ellipse(x, y - 0.01, a.wheelRadius * 1.2, a.wheelRadius * 1.1, 0, solidPaint([20, 20, 22], 0));
  const cy = cabinCentreY(a);
  frame.box(a.cabinOffset, cy, a.cabinHalfLength, a.cabinHalfHeight, 0, a.corner * 1.6, body);
  const window = solidPaint(a.window, 0.1);
  const pane = a.cabinHalfLength * 0.42;
  frame.box(a.cabinOffset + pane * 1.05, cy + a.cabinHalfHeight * 0.12, pane * 0.9, a.cabinHalfHeight * 0.62, 0, a.corner * 0.6, window);
  frame.box(a.cabinOffset - pane * 1.05, cy + a.cabinHalfHeight * 0.12, pane * 0.9, a.cabinHalfHeight * 0.62, 0, a.corner * 0.6, window);
  frame.box(0, 0, 0.5, a.bodyHalfHeight, 0, a.corner, body);
  frame.box(0, a.bodyHalfHeight * 0.75, 0.49, a.bodyHalfHeight * 0.22, 0, 0.01, solidPaint(scaleRgb(a.body, 0.55), 0));
  frame.box(a.cabinOffset, -a.bodyHalfHeight * 0.1, 0.005, a.bodyHalfHeight * 0.75, 0, 0, solidPaint(scaleRgb(a.body, 0.6), 0));
  frame.ellipse(0.47, -a.bodyHalfHeight * 0.35, 0.03, 0.022, 0, solidPaint([255, 240, 170], 0));
  frame.ellipse(-0.485, -a.bodyHalfHeight * 0.35, 0.016, 0.025, 0, solidPaint([200, 20, 20], 0));
  const tyre = solidPaint(a.tyre, 0.1);
  const hub = { color: a.hub, accent: scaleRgb(a.hub, 0.45), pattern: 'checks' as const, frequency: 1, shade: 0.1, opacity: 1 };
  for (const [x, y] of wheels) {
    frame.ellipse(x, y, a.wheelRadius, a.wheelRadius, 0, tyre);
    frame.ellipse(x, y, a.wheelRadius * 0.55, a.wheelRadius * 0.55, 0, hub, pose.spin * frame.facing);
  }
}
