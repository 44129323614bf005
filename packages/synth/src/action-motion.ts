/**
 * How an actor moves while doing an action: a trajectory (position, rotation) and a pose per instant.
 * Actions differ in motion (climbing rises along a surface, crawling is slow and low, eating stays put with
 * a periodic head or hand movement, flying follows a wavy airborne path, jumping repeats ballistic hops,
 * rolling turns while it travels, running is fast with a bouncing gait, walking is a slow gait). The same
 * action also differs by actor: a cat's gait is slower and smoother than a dog's, its tail stands up and
 * sways slowly where a dog's wags fast, and it leaps high and rarely where a dog hops often and low.
 * Units: actor sizes and seconds; y is up-negative and 0 is the actor's ground line.
 */
import type { Rng, VideoActionName } from '@a2d/core';
import type { ActorAppearance } from './actor-appearance';
import { restingPose, type ActorPose, type Posture } from './actor-pose';
import { figureClearance } from './figures/actor-figure';

/** The labelled actions plus `idle`, the barely moving state of distractors. */
export type MotionKind = VideoActionName | 'idle';

/** The random parameters of one actor's motion over a clip (fields unused by an action stay at 0). */
export interface MotionPlan {
  kind: MotionKind;
  posture: Posture;
  /** 1 moves/faces right, -1 left. */
  facing: 1 | -1;
  /** Travel speed in sizes per second (upward speed when climbing). */
  speed: number;
  /** Gait, wing-beat, peck, chew or hop rate in Hz. */
  frequency: number;
  /** Gait amplitude 0..1. */
  stride: number;
  /** Body bounce per step, in sizes. */
  bob: number;
  /** Torso lean (people), radians. */
  lean: number;
  /** How low an animal carries its body, 0..1. */
  crouch: number;
  /** Body pitch swing per stride (bounding animals), radians. */
  pitch: number;
  /** Jumping: peak height and forward travel per hop (sizes) and the share of each hop spent on the ground. */
  hopHeight: number;
  hopAdvance: number;
  hopContact: number;
  /** Flying: height above ground (sizes), vertical wave amplitude (sizes) and rate (Hz). */
  altitude: number;
  waveAmplitude: number;
  waveFrequency: number;
  /** Climbing: 0..1 speed modulation by the limb cycle (climbers move in surges). */
  surge: number;
  /** Climbing start: height of the body above ground (sizes). */
  startHeight: number;
  /** Tail carriage above the backward horizontal, wag amplitude (radians) and wag rate (Hz). */
  tailBase: number;
  tailWag: number;
  tailFrequency: number;
  /** Start phase of the cycles, radians. */
  phase: number;
}

/** Where the actor is and how it is posed at one instant. */
export interface MotionState {
  /** Horizontal travel from the start, in sizes. */
  x: number;
  /** Vertical position of the figure's origin relative to the ground line, in sizes (negative = above). */
  y: number;
  /** Screen rotation of the whole figure, radians (clockwise). */
  angle: number;
  facing: 1 | -1;
  pose: ActorPose;
  /** Gap between the figure's lowest point and the ground, in sizes (0 when touching). */
  airborne: number;
}

/** Limits the scene puts on a motion so the actor stays in frame. */
export interface MotionLimits {
  /** Highest flight altitude that still fits the frame, in sizes. */
  maxAltitude: number;
}

const TAU = 2 * Math.PI;

function emptyPlan(kind: MotionKind, facing: 1 | -1, phase: number): MotionPlan {
  return {
    kind,
    posture: 'stand',
    facing,
    speed: 0,
    frequency: 0,
    stride: 0,
    bob: 0,
    lean: 0,
    crouch: 0,
    pitch: 0,
    hopHeight: 0,
    hopAdvance: 0,
    hopContact: 0,
    altitude: 0,
    waveAmplitude: 0,
    waveFrequency: 0,
    surge: 0,
    startHeight: 0,
    tailBase: 0.6,
    tailWag: 0,
    tailFrequency: 0,
    phase,
  };
}

/** Tail habits: cats carry it high with a slow sway, dogs lower with a fast wag. */
function tailHabit(rng: Rng, cat: boolean, plan: MotionPlan, excited: boolean): void {
  if (cat) {
    plan.tailBase = excited ? rng.uniform(0.15, 0.6) : rng.uniform(0.95, 1.45);
    plan.tailWag = rng.uniform(0.08, 0.22);
    plan.tailFrequency = rng.uniform(0.25, 0.6);
  } else {
    plan.tailBase = rng.uniform(0.3, 0.9);
    plan.tailWag = rng.uniform(0.35, 0.65);
    plan.tailFrequency = rng.uniform(2.5, 4.5);
  }
}

/** Draws the motion parameters of `kind` for an actor of the given appearance. */
export function sampleMotionPlan(rng: Rng, appearance: ActorAppearance, kind: MotionKind, limits: MotionLimits): MotionPlan {
  const plan = emptyPlan(kind, rng.bool() ? 1 : -1, rng.uniform(0, TAU));
  const actor = appearance.kind;
  const human = actor === 'adult' || actor === 'baby';
  const animal = actor === 'cat' || actor === 'dog';
  const cat = actor === 'cat';
  if (animal) tailHabit(rng, cat, plan, kind === 'running');
  switch (kind) {
    case 'idle':
      plan.frequency = rng.uniform(0.2, 0.5);
      plan.stride = human ? 0.05 : 0;
      plan.crouch = animal && rng.bool(0.4) ? rng.uniform(0.6, 1) : 0;
      if (animal) plan.tailWag *= 0.5;
      break;
    case 'walking':
      if (human) {
        const baby = actor === 'baby';
        plan.frequency = baby ? rng.uniform(1.0, 1.4) : rng.uniform(0.8, 1.05);
        plan.stride = baby ? rng.uniform(0.45, 0.6) : rng.uniform(0.55, 0.72);
        plan.speed = plan.frequency * plan.stride * (baby ? 0.55 : 0.85);
        plan.bob = baby ? 0.02 : 0.012;
        plan.lean = rng.uniform(0, 0.06);
      } else if (animal) {
        plan.frequency = cat ? rng.uniform(0.85, 1.3) : rng.uniform(1.35, 1.9);
        plan.stride = cat ? rng.uniform(0.5, 0.65) : rng.uniform(0.6, 0.74);
        plan.speed = plan.frequency * (cat ? rng.uniform(0.5, 0.6) : rng.uniform(0.45, 0.55));
        plan.bob = cat ? rng.uniform(0.003, 0.008) : rng.uniform(0.015, 0.03);
        plan.crouch = cat ? rng.uniform(0.12, 0.3) : 0;
      } else {
        plan.frequency = rng.uniform(1.8, 2.6);
        plan.stride = 0.8;
        plan.speed = rng.uniform(0.55, 1.0);
        plan.bob = 0.01;
      }
      break;
    case 'running':
      if (human) {
        plan.frequency = rng.uniform(1.3, 1.75);
        plan.stride = rng.uniform(0.9, 1);
        plan.speed = rng.uniform(1.5, 2.3);
        plan.bob = rng.uniform(0.03, 0.045);
        plan.lean = rng.uniform(0.18, 0.3);
      } else if (animal) {
        plan.frequency = cat ? rng.uniform(2.0, 2.8) : rng.uniform(2.6, 3.4);
        plan.stride = rng.uniform(0.85, 1);
        plan.speed = cat ? rng.uniform(2.0, 3.2) : rng.uniform(2.3, 3.5);
        plan.bob = cat ? rng.uniform(0.015, 0.03) : rng.uniform(0.04, 0.065);
        plan.pitch = cat ? rng.uniform(0.03, 0.07) : rng.uniform(0.09, 0.15);
        plan.crouch = cat ? rng.uniform(0.05, 0.2) : 0;
      } else {
        plan.speed = rng.uniform(1.4, 3.2);
        plan.frequency = rng.uniform(3, 6);
        plan.bob = rng.uniform(0.003, 0.008);
      }
      break;
    case 'crawling':
      plan.posture = 'crouch';
      if (human) {
        plan.frequency = rng.uniform(0.45, 0.75);
        plan.stride = rng.uniform(0.7, 0.9);
        plan.speed = plan.frequency * rng.uniform(0.3, 0.42);
        plan.bob = 0.006;
      } else {
        plan.frequency = rng.uniform(0.55, 0.9);
        plan.stride = rng.uniform(0.4, 0.55);
        plan.speed = plan.frequency * rng.uniform(0.3, 0.4);
        plan.crouch = rng.uniform(0.8, 1);
        plan.tailBase = rng.uniform(-0.25, 0.15);
        plan.tailWag *= 0.3;
      }
      break;
    case 'climbing':
      plan.surge = rng.uniform(0.4, 0.8);
      if (human) {
        plan.posture = 'climb';
        plan.frequency = rng.uniform(0.5, 0.85);
        plan.stride = 1;
        plan.speed = rng.uniform(0.12, 0.22);
        plan.lean = rng.uniform(0, 0.1);
      } else if (animal) {
        plan.frequency = rng.uniform(1.1, 1.7);
        plan.stride = rng.uniform(0.65, 0.8);
        plan.speed = rng.uniform(0.3, 0.5);
        plan.startHeight = rng.uniform(0.35, 0.6);
        plan.tailBase = rng.uniform(-0.2, 0.3);
      } else {
        plan.frequency = rng.uniform(1.5, 2.5);
        plan.speed = rng.uniform(0.25, 0.5);
        plan.startHeight = rng.uniform(0.4, 0.8);
      }
      break;
    case 'eating':
      if (human) {
        plan.frequency = rng.uniform(0.3, 0.6);
        plan.lean = rng.uniform(0, 0.08);
      } else if (animal) {
        plan.frequency = cat ? rng.uniform(1.4, 2.2) : rng.uniform(2.4, 3.4);
        plan.crouch = cat ? rng.uniform(0.45, 0.8) : rng.uniform(0, 0.2);
        if (cat) plan.tailBase = rng.uniform(0.05, 0.4);
      } else {
        plan.frequency = rng.uniform(1.5, 3.2);
      }
      break;
    case 'jumping':
      if (human) {
        plan.frequency = rng.uniform(0.8, 1.3);
        plan.hopContact = rng.uniform(0.25, 0.35);
        plan.hopHeight = rng.uniform(0.2, 0.45);
        plan.hopAdvance = rng.uniform(0, 0.35);
      } else if (animal) {
        plan.frequency = cat ? rng.uniform(0.45, 0.8) : rng.uniform(0.9, 1.4);
        plan.hopContact = cat ? rng.uniform(0.4, 0.55) : rng.uniform(0.2, 0.35);
        plan.hopHeight = cat ? rng.uniform(0.8, 1.3) : rng.uniform(0.35, 0.75);
        plan.hopAdvance = cat ? rng.uniform(0.6, 1.1) : rng.uniform(0.2, 0.6);
        plan.pitch = cat ? 0.5 : 0.25;
      } else if (actor === 'bird') {
        plan.frequency = rng.uniform(1.5, 2.5);
        plan.hopContact = rng.uniform(0.3, 0.4);
        plan.hopHeight = rng.uniform(0.3, 0.6);
        plan.hopAdvance = rng.uniform(0.3, 0.6);
      } else if (actor === 'ball') {
        plan.frequency = rng.uniform(0.8, 1.5);
        plan.hopContact = rng.uniform(0.08, 0.12);
        plan.hopHeight = rng.uniform(0.8, 2);
        plan.hopAdvance = rng.uniform(0, 1);
      } else {
        plan.frequency = rng.uniform(0.6, 1);
        plan.hopContact = rng.uniform(0.3, 0.45);
        plan.hopHeight = rng.uniform(0.15, 0.35);
        plan.hopAdvance = rng.uniform(0.3, 0.8);
        plan.pitch = 0.25;
      }
      plan.hopHeight = Math.min(plan.hopHeight, limits.maxAltitude);
      break;
    case 'rolling':
      plan.posture = actor === 'ball' || actor === 'car' ? 'stand' : 'tuck';
      plan.speed = human ? rng.uniform(0.6, 1.1) : actor === 'ball' ? rng.uniform(0.8, 2.2) : rng.uniform(0.5, 1.1);
      break;
    case 'flying':
      if (actor === 'bird') {
        plan.posture = 'flight';
        plan.frequency = rng.uniform(4, 8);
        plan.speed = rng.uniform(0.8, 2);
        plan.altitude = rng.uniform(1.2, 3);
        plan.waveAmplitude = rng.uniform(0.2, 0.6);
        plan.waveFrequency = rng.uniform(0.3, 0.7);
      } else if (actor === 'ball') {
        plan.speed = rng.uniform(1, 2);
        plan.altitude = rng.uniform(2, 4);
        plan.waveAmplitude = rng.uniform(0.6, 1.5);
        plan.waveFrequency = rng.uniform(0.25, 0.5);
        plan.frequency = rng.uniform(0.5, 1.3);
      } else {
        plan.speed = rng.uniform(0.8, 1.8);
        plan.altitude = rng.uniform(0.5, 1.2);
        plan.waveAmplitude = rng.uniform(0.1, 0.3);
        plan.waveFrequency = rng.uniform(0.3, 0.6);
        plan.frequency = rng.uniform(3, 6);
      }
      plan.altitude = Math.min(plan.altitude, Math.max(0.3, limits.maxAltitude - plan.waveAmplitude));
      break;
  }
  return plan;
}

function smoothstep(x: number): number {
  const t = Math.max(0, Math.min(1, x));
  return t * t * (3 - 2 * t);
}

/** The actor's position and pose `t` seconds into the clip. */
export function motionAt(appearance: ActorAppearance, plan: MotionPlan, t: number): MotionState {
  const { facing } = plan;
  const actor = appearance.kind;
  const phase = plan.phase + TAU * plan.frequency * t;
  const pose: ActorPose = {
    ...restingPose(plan.posture),
    phase,
    stride: plan.stride,
    lean: plan.lean,
    crouch: plan.crouch,
    tail: plan.tailBase + plan.tailWag * Math.sin(plan.phase + TAU * plan.tailFrequency * t),
  };
  let x = 0;
  let lift = 0;
  let angle = 0;
  let extraHeight = 0;
  let onGround = true;
  switch (plan.kind) {
    case 'idle':
      pose.headBob = 0.3 * Math.sin(phase);
      break;
    case 'walking':
    case 'running':
    case 'crawling':
      x = facing * plan.speed * t;
      extraHeight = plan.bob * 0.5 * (1 - Math.cos(2 * phase));
      angle = facing * plan.pitch * Math.sin(phase);
      if (actor === 'bird') pose.headBob = Math.sin(2 * phase);
      if (actor === 'dog') pose.headBob = 0.6 * Math.sin(2 * phase);
      if (actor === 'car') {
        pose.spin = (plan.speed * t) / appearance.wheelRadius;
        extraHeight = plan.bob * (0.5 + 0.5 * Math.sin(phase));
      }
      break;
    case 'climbing': {
      const rise = plan.speed * (t + (plan.surge * Math.sin(TAU * plan.frequency * t)) / (TAU * plan.frequency));
      if (actor === 'bird') {
        // Woodpecker-style: short hops up the trunk with the body tilted up.
        const cycles = plan.frequency * t;
        const hop = Math.floor(cycles) + smoothstep((cycles % 1) * 2.5);
        extraHeight = plan.startHeight + (plan.speed / plan.frequency) * hop;
        pose.lift = Math.sin(Math.PI * Math.min(1, (cycles % 1) * 2.5));
        angle = facing * -1.1;
      } else if (actor === 'cat' || actor === 'dog') {
        extraHeight = plan.startHeight + rise;
        angle = facing * -1.35;
      } else {
        extraHeight = rise;
      }
      x = facing * 0.015 * Math.sin(phase);
      onGround = false;
      break;
    }
    case 'eating':
      if (actor === 'adult' || actor === 'baby') {
        pose.reach = Math.pow(0.5 - 0.5 * Math.cos(phase), 1.5);
        pose.headBob = 0.3 * Math.sin(4 * phase);
      } else if (actor === 'bird') {
        pose.reach = Math.pow(Math.max(0, Math.sin(phase)), 4);
      } else {
        pose.reach = 0.82 + 0.12 * Math.sin(phase);
        pose.headBob = Math.sin(phase);
      }
      x = facing * 0.004 * Math.sin(0.3 * phase);
      break;
    case 'jumping': {
      const cycles = t * plan.frequency + plan.phase / TAU;
      const hop = Math.floor(cycles);
      const within = cycles - hop;
      const contact = plan.hopContact;
      if (within < contact) {
        const squat = Math.sin((Math.PI * within) / contact);
        x = facing * plan.hopAdvance * hop;
        if (actor === 'ball') pose.squash = 0.3 * squat;
        else {
          pose.crouch = Math.min(1, plan.crouch + 0.5 * squat);
          lift = 0.35 * squat;
          extraHeight = -0.04 * squat;
        }
      } else {
        const s = (within - contact) / (1 - contact);
        x = facing * plan.hopAdvance * (hop + s);
        extraHeight = 4 * plan.hopHeight * s * (1 - s);
        lift = Math.sin(Math.PI * s);
        angle = facing * plan.pitch * (s - 0.5) * 1.2;
        if (actor === 'bird') pose.wing = 0.7 * Math.sin(Math.PI * s);
        onGround = false;
      }
      if (actor === 'ball' || actor === 'car') {
        const travelled = plan.hopAdvance * (hop + Math.max(0, (within - contact) / (1 - contact)));
        pose.spin = actor === 'ball' ? travelled / 0.5 : (plan.hopAdvance * cycles) / appearance.wheelRadius;
        lift = 0;
      }
      break;
    }
    case 'rolling': {
      const travelled = plan.speed * t;
      x = facing * travelled;
      if (actor === 'ball') pose.spin = travelled / 0.5;
      else {
        // Turn as fast as the body's own radius rolls along the ground.
        const radius = actor === 'car' ? 0.32 : Math.max(0.15, figureClearance(appearance, pose));
        angle = facing * (travelled / radius + plan.phase);
        if (actor === 'car') pose.spin = travelled / appearance.wheelRadius;
      }
      break;
    }
    case 'flying': {
      x = facing * plan.speed * t;
      const wave = TAU * plan.waveFrequency * t + plan.phase;
      extraHeight = plan.altitude + plan.waveAmplitude * Math.sin(wave);
      const climb = plan.waveAmplitude * TAU * plan.waveFrequency * Math.cos(wave);
      if (actor === 'bird') {
        pose.wing = 0.35 + 1.0 * Math.sin(phase);
        angle = -facing * Math.atan2(climb, plan.speed) * 0.5;
      } else if (actor === 'car') {
        pose.spin = TAU * plan.frequency * t;
        angle = facing * (-0.12 + 0.15 * Math.sin(wave));
      } else {
        pose.spin = TAU * plan.frequency * t;
      }
      onGround = false;
      break;
    }
  }
  pose.lift = Math.max(pose.lift, lift);
  const clearance = figureClearance(appearance, pose, angle, facing);
  const restClearance = onGround ? clearance : figureClearance(appearance, { ...pose, lift: 0 }, 0, facing);
  const y = -(onGround ? clearance : restClearance) - extraHeight;
  return { x, y, angle, facing, pose, airborne: Math.max(0, -y - clearance) };
}
