/** One entry point for drawing any actor and for measuring how far it reaches below its origin. */
import type { ActorAppearance } from '../actor-appearance';
import type { ActorPose } from '../actor-pose';
import type { PartFrame } from '../part-frame';
import { ballOutline, drawBall } from './ball-figure';
import { birdOutline, drawBird } from './bird-figure';
import { carOutline, drawCar } from './car-figure';
import { drawHuman, humanOutline } from './human-figure';
import { lowestPoint, type OutlineDisc } from './outline';
import { drawQuadruped, quadrupedOutline } from './quadruped-figure';

/** Draws the actor's figure in the given frame (position, scale, rotation, facing). */
export function drawFigure(frame: PartFrame, appearance: ActorAppearance, pose: ActorPose): void {
  switch (appearance.kind) {
    case 'adult':
    case 'baby':
      return drawHuman(frame, appearance, pose);
    case 'cat':
    case 'dog':
      return drawQuadruped(frame, appearance, pose);
    case 'bird':
      return drawBird(frame, appearance, pose);
    case 'ball':
      return drawBall(frame, appearance, pose);
    case 'car':
      return drawCar(frame, appearance, pose);
  }
}

/** The figure's rough extent in local units. */
export function figureOutline(appearance: ActorAppearance, pose: ActorPose): OutlineDisc[] {
  switch (appearance.kind) {
    case 'adult':
    case 'baby':
      return humanOutline(appearance, pose);
    case 'cat':
    case 'dog':
      return quadrupedOutline(appearance, pose);
    case 'bird':
      return birdOutline(appearance, pose);
    case 'ball':
      return ballOutline(appearance, pose);
    case 'car':
      return carOutline(appearance);
  }
}

/** How far (local units) the posed figure reaches below its origin once rotated: its height above ground. */
export function figureClearance(appearance: ActorAppearance, pose: ActorPose, angle = 0, facing: 1 | -1 = 1): number {
  return lowestPoint(figureOutline(appearance, pose), angle, facing);
}
