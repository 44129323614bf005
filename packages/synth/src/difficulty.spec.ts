import { createHash } from 'node:crypto';
import { ACTORS, Rng, VIDEO_ACTIONS, type ActorName, type VideoActionName } from '@a2d/core';
import type { ActorAppearance } from './actor-appearance';
import { ClipRenderer } from './clip-renderer';
import { sceneOfClip } from './clip-writer';
import { planDataset } from './dataset-plan';
import { clipRevisionOf, DIFFICULTIES, DIFFICULTY_CLIP_REVISIONS, DIFFICULTY_NAMES, DIFFICULTY_REVISIONS } from './difficulty';
import { describeSynth, sameSynth } from './synth-manifest';
import { KIND_COLOURS } from './distinct-looks';
import { composeScene, LOOK_ALIKES, type ClipScene } from './scene';


function mainColour(look: ActorAppearance): readonly number[] {
  switch (look.kind) {
    case 'car':
      return look.body;
    case 'ball':
      return look.paint.color;
    case 'bird':
      return look.head;
    case 'cat':
    case 'dog':
      return look.coat.color;
    default:
      return look.top.color;
  }
}

function scenes(difficulty: 'easy' | 'hard', count: number): { actor: ActorName; action: VideoActionName; scene: ClipScene }[] {
  const rng = new Rng(`difficulty-${difficulty}`);
  return Array.from({ length: count }, (_, i) => {
    const actor = ACTORS[i % ACTORS.length];
    const action = rng.pick(VIDEO_ACTIONS);
    return { actor, action, scene: composeScene(new Rng(i), { actor, action, width: 120, height: 90, fps: 24, numFrames: 12, difficulty }) };
  });
}

describe('difficulty', () => {
  it('hard is the original generator, pinned: scenes and pixels hash to the value recorded before difficulty existed', () => {
    // Recorded from the generator before `difficulty` was added (planDataset('small', 7), first 24 clips):
    // the scene of each clip as JSON and its last frame's pixels.
    const hash = createHash('sha256');
    for (const clip of planDataset('small', 7, 'hard').slice(0, 24)) {
      const scene = sceneOfClip(clip);
      hash.update(JSON.stringify(scene));
      const frame = new Uint8Array(clip.renderWidth * clip.renderHeight * 3);
      new ClipRenderer(scene).renderFrame(clip.numFrames - 1, frame);
      hash.update(frame);
    }
    expect(hash.digest('hex')).toBe('e89eb3e65df9245bf65935c09611072ca124ea399f41c9d002196763927a6026');
  });

  it('easy turns the confusion down: at most one distractor, never a look-alike, large subjects, kind colours and ears, no occluders', () => {
    const easy = scenes('easy', 140);
    const hard = scenes('hard', 140);
    const lookAlikes = (list: typeof easy) =>
      list.reduce((n, { actor, scene }) => n + scene.distractors.filter((d) => LOOK_ALIKES[actor].includes(d.appearance.kind)).length, 0);
    for (const { actor, action, scene } of easy) {
      expect(scene.distractors.length).toBeLessThanOrEqual(DIFFICULTIES.easy.distractorWeights.length - 1);
      expect(scene.foreground).toEqual([]);
      if (action !== 'flying') expect(scene.subject.scale).toBeGreaterThanOrEqual(0.3 * scene.height - 1e-9);
      const look = scene.subject.appearance;
      mainColour(look).forEach((channel, c) => expect(Math.abs(channel - KIND_COLOURS[actor][c])).toBeLessThanOrEqual(18));
      if (look.kind === 'cat') expect(look.ears).toBe('pointed');
      if (look.kind === 'dog') expect(look.ears).toBe('floppy');
      expect(look.kind).toBe(actor);
    }
    // Any kind may still be drawn at random, so a few distractors match the subject's look-alikes by chance.
    expect(lookAlikes(easy)).toBeLessThan(lookAlikes(hard) / 2);
    const count = (list: typeof easy) => list.reduce((n, { scene }) => n + scene.distractors.length, 0);
    expect(count(easy)).toBeLessThan(count(hard) / 2);
    expect(hard.some(({ scene }) => scene.foreground.length > 0)).toBe(true);
    const meanScale = (list: typeof easy) => list.reduce((sum, { scene }) => sum + scene.subject.scale, 0) / list.length;
    expect(meanScale(easy)).toBeGreaterThan(1.2 * meanScale(hard));
  });

  it('knows the clips of every revision: one that only added annotations is the same dataset, named alike', () => {
    for (const difficulty of DIFFICULTY_NAMES) {
      expect(DIFFICULTY_CLIP_REVISIONS[difficulty]).toHaveLength(DIFFICULTY_REVISIONS[difficulty]);
    }
    expect(clipRevisionOf('easy', 3)).toBe(clipRevisionOf('easy', 2));
    expect(clipRevisionOf('easy', 1)).not.toBe(clipRevisionOf('easy', 3));
    expect(clipRevisionOf('hard', 2)).toBe(1);
    expect(clipRevisionOf('easy', 9)).toBe(9);
    const wanted = { size: 'medium' as const, difficulty: 'easy' as const, seed: 0 };
    expect(sameSynth({ ...wanted, revision: 2 }, wanted)).toBe(true);
    expect(sameSynth({ ...wanted, revision: 1 }, wanted)).toBe(false);
    expect(sameSynth({ ...wanted, revision: 4 }, wanted)).toBe(false);
    expect(describeSynth({ ...wanted, revision: 2 })).toBe(describeSynth(wanted));
    expect(describeSynth(wanted)).toBe('medium/easy r2/seed 0');
    expect(describeSynth({ ...wanted, difficulty: 'hard' })).toBe('medium/hard/seed 0');
  });

  it('difficulty changes the scenes, never the plan', () => {
    const strip = (clips: ReturnType<typeof planDataset>) => clips.map(({ difficulty: _d, ...rest }) => rest);
    expect(strip(planDataset('small', 3, 'easy'))).toEqual(strip(planDataset('small', 3, 'hard')));
  });
});
