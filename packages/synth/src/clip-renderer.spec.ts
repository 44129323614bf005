import { createHash } from 'node:crypto';
import { Rng, type ActorName, type VideoActionName } from '@a2d/core';
import { ClipRenderer } from './clip-renderer';
import { composeScene, type ClipScene } from './scene';
import { tripodCamera } from './camera';

const W = 107;
const H = 80;
const FPS = 24;

function scene(actor: ActorName, action: VideoActionName, seed: number, numFrames = 24): ClipScene {
  return composeScene(new Rng(seed), { actor, action, width: W, height: H, fps: FPS, numFrames, difficulty: 'hard' });
}

/** The same scene filmed from a tripod, without distractors, occluders, noise or flicker: only the subject moves. */
function isolated(s: ClipScene): ClipScene {
  return {
    ...s,
    camera: tripodCamera(s.camera.x0, s.camera.y0),
    distractors: [],
    foreground: [],
    noise: { ...s.noise, amplitude: 0 },
    lighting: { ...s.lighting, flicker: 0, drift: 0 },
  };
}

function hashFrames(s: ClipScene): string {
  const renderer = new ClipRenderer(s);
  const hash = createHash('sha256');
  for (let i = 0; i < s.numFrames; i++) hash.update(renderer.renderFrame(i));
  return hash.digest('hex');
}

/** Mean absolute difference between consecutive frames, in grey levels per channel. */
function motionEnergy(s: ClipScene): number {
  const renderer = new ClipRenderer(s);
  let previous = renderer.renderFrame(0);
  let total = 0;
  for (let i = 1; i < s.numFrames; i++) {
    const frame = renderer.renderFrame(i);
    let sum = 0;
    // No Math.abs here: global lookups are slow inside jest's VM context.
    for (let p = 0; p < frame.length; p++) {
      const d = frame[p] - previous[p];
      sum += d < 0 ? -d : d;
    }
    total += sum / frame.length;
    previous = frame;
  }
  return total / (s.numFrames - 1);
}

/** Per frame, the subject's pixels: where the frame differs from the same scene with the subject moved away. */
function subjectMasks(s: ClipScene): { area: number; top: number; bottom: number; centreY: number }[] {
  const withSubject = new ClipRenderer(s);
  const without = new ClipRenderer({ ...s, subject: { ...s.subject, startX: 1e6 } });
  const masks = [];
  for (let i = 0; i < s.numFrames; i++) {
    const a = withSubject.renderFrame(i);
    const b = without.renderFrame(i);
    let area = 0;
    let top = H;
    let bottom = -1;
    let sumY = 0;
    for (let p = 0; p < W * H; p++) {
      if (a[3 * p] !== b[3 * p] || a[3 * p + 1] !== b[3 * p + 1] || a[3 * p + 2] !== b[3 * p + 2]) {
        const y = Math.floor(p / W);
        area++;
        sumY += y;
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
    masks.push({ area, top, bottom, centreY: area > 0 ? sumY / area : NaN });
  }
  return masks;
}

function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

describe('ClipRenderer', () => {
  it('renders identical pixels for the same seed and different ones for another seed', () => {
    const first = hashFrames(scene('dog', 'running', 7));
    expect(hashFrames(scene('dog', 'running', 7))).toBe(first);
    expect(hashFrames(scene('dog', 'running', 8))).not.toBe(first);
  });

  it('renders any frame on its own exactly as in sequence', () => {
    const s = scene('car', 'jumping', 3);
    const sequential = new ClipRenderer(s);
    const frames = Array.from({ length: s.numFrames }, (_, i) => Buffer.from(sequential.renderFrame(i)));
    const random = new ClipRenderer(s);
    for (const i of [17, 3, 23, 0]) expect(Buffer.from(random.renderFrame(i)).equals(frames[i])).toBe(true);
    expect(frames[0].equals(frames[12])).toBe(false);
  });

  it('draws the subject in every frame', () => {
    for (const [actor, action] of [['ball', 'flying'], ['bird', 'eating'], ['baby', 'crawling']] as const) {
      const masks = subjectMasks(isolated(scene(actor, action, 21)));
      expect(Math.min(...masks.map((m) => m.area))).toBeGreaterThan(5);
    }
  });

  it('moves much more when flying than when eating', () => {
    const seeds = [1, 2, 3, 4];
    const flying = mean((['bird', 'ball', 'car'] as const).flatMap((actor) => seeds.map((seed) => motionEnergy(isolated(scene(actor, 'flying', seed))))));
    const eating = mean((['adult', 'bird', 'cat', 'dog'] as const).flatMap((actor) => seeds.map((seed) => motionEnergy(isolated(scene(actor, 'eating', seed))))));
    expect(flying).toBeGreaterThan(2 * eating);
  });

  it('moves climbers upwards on screen', () => {
    for (const actor of ['adult', 'baby', 'bird', 'cat'] as const) {
      for (const seed of [5, 6]) {
        const masks = subjectMasks(isolated(scene(actor, 'climbing', seed, 48)));
        expect(masks[masks.length - 1].centreY).toBeLessThan(masks[0].centreY - 1);
      }
    }
  });

  it('lifts jumpers off the ground and brings them back', () => {
    for (const actor of ['adult', 'ball', 'dog'] as const) {
      const masks = subjectMasks(isolated(scene(actor, 'jumping', 9, 48)));
      const tops = masks.map((m) => m.top);
      expect(Math.max(...tops) - Math.min(...tops)).toBeGreaterThanOrEqual(2);
    }
  });

  it('draws adults taller than babies (same action, many seeds)', () => {
    const height = (actor: 'adult' | 'baby') =>
      mean([1, 2, 3, 4, 5, 6].map((seed) => {
        const mask = subjectMasks(isolated(scene(actor, 'walking', seed, 2)))[0];
        return mask.bottom - mask.top;
      }));
    expect(height('adult')).toBeGreaterThan(1.3 * height('baby'));
  });

  it('rejects frame indices outside the clip and wrongly sized buffers', () => {
    const renderer = new ClipRenderer(scene('cat', 'walking', 1, 4));
    expect(() => renderer.renderFrame(4)).toThrow(/outside 0\.\.3/);
    expect(() => renderer.renderFrame(0, new Uint8Array(10))).toThrow(/expected 107x80x3/);
  });
});
