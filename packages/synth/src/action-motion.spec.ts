import { Rng, type ActorName } from '@a2d/core';
import { motionAt, sampleMotionPlan } from './action-motion';
import { sampleAppearance, type QuadrupedAppearance } from './actor-appearance';

const LIMITS = { maxAltitude: 3 };

function quadrupeds(kind: 'cat' | 'dog', n: number): QuadrupedAppearance[] {
  const rng = new Rng(`look-${kind}`);
  return Array.from({ length: n }, () => sampleAppearance(rng, kind) as QuadrupedAppearance);
}

function plans(actor: ActorName, action: 'walking' | 'running' | 'jumping', n: number) {
  const rng = new Rng(`motion-${actor}-${action}`);
  const look = sampleAppearance(rng, actor);
  return Array.from({ length: n }, () => sampleMotionPlan(rng, look, action, LIMITS));
}

describe('cats and dogs', () => {
  it('look alike: overlapping sizes, shared coat colours, both with pointed ears', () => {
    const cats = quadrupeds('cat', 300);
    const dogs = quadrupeds('dog', 300);
    const sizes = (list: QuadrupedAppearance[]) => list.map((a) => a.size);
    expect(Math.max(...sizes(cats))).toBeGreaterThan(Math.min(...sizes(dogs)) + 0.1);
    const coats = (list: QuadrupedAppearance[]) => new Set(list.map((a) => a.coat.color.map((c) => Math.round(c / 64)).join()));
    const shared = [...coats(cats)].filter((coat) => coats(dogs).has(coat));
    expect(shared.length).toBeGreaterThanOrEqual(5);
    expect(dogs.some((a) => a.ears === 'pointed')).toBe(true);
  });

  it('move differently: dogs step and wag faster, cats carry the tail higher and leap higher', () => {
    const catWalks = plans('cat', 'walking', 200);
    const dogWalks = plans('dog', 'walking', 200);
    expect(Math.max(...catWalks.map((p) => p.frequency))).toBeLessThan(Math.min(...dogWalks.map((p) => p.frequency)));
    expect(Math.max(...catWalks.map((p) => p.tailFrequency))).toBeLessThan(Math.min(...dogWalks.map((p) => p.tailFrequency)));
    expect(Math.min(...catWalks.map((p) => p.tailBase))).toBeGreaterThan(Math.max(...dogWalks.map((p) => p.tailBase)));
    const leap = (list: ReturnType<typeof plans>) => list.reduce((sum, p) => sum + p.hopHeight, 0) / list.length;
    expect(leap(plans('cat', 'jumping', 100))).toBeGreaterThan(1.5 * leap(plans('dog', 'jumping', 100)));
  });
});

describe('motionAt', () => {
  it('keeps walkers on the ground and moving in the direction they face', () => {
    const rng = new Rng(4);
    for (const actor of ['adult', 'baby', 'bird', 'cat', 'dog'] as const) {
      const look = sampleAppearance(rng, actor);
      const plan = sampleMotionPlan(rng, look, 'walking', LIMITS);
      const end = motionAt(look, plan, 2);
      expect(end.x * plan.facing).toBeGreaterThan(0.3);
      for (let t = 0; t <= 2; t += 0.1) expect(motionAt(look, plan, t).airborne).toBeLessThan(0.05);
    }
  });

  it('rolls by turning in proportion to the distance travelled', () => {
    const rng = new Rng(8);
    const look = sampleAppearance(rng, 'adult');
    const plan = sampleMotionPlan(rng, look, 'rolling', LIMITS);
    const turn = (t: number) => motionAt(look, plan, t).angle - motionAt(look, plan, 0).angle;
    expect(Math.abs(turn(2))).toBeGreaterThan(Math.PI);
    expect(turn(2) / turn(1)).toBeCloseTo(2, 5);
  });

  it('keeps flights below the altitude the frame allows', () => {
    const rng = new Rng(9);
    const look = sampleAppearance(rng, 'bird');
    for (let i = 0; i < 50; i++) {
      const plan = sampleMotionPlan(rng, look, 'flying', { maxAltitude: 1.5 });
      expect(plan.altitude + plan.waveAmplitude).toBeLessThanOrEqual(1.5 + 1e-9);
      expect(motionAt(look, plan, 1).airborne).toBeGreaterThan(0);
    }
  });
});
