import { NUM_ACTIONS, NUM_ACTORS, Rng, augmentConfigSchema, type AugmentConfig } from '@a2d/core';
import type { ClipBatchShape } from './clip-batch';
import { mixBatch, type LabelledClipBatch, type MixedClipBatch } from './mix-batch';

const shape: ClipBatchShape = [4, 2, 10, 12, 3];
const clipLength = 2 * 10 * 12 * 3;

/** Clip i is filled with the value i + 1, so every mixed value tells where it came from. */
function batch(): LabelledClipBatch {
  const frames = new Float32Array(4 * clipLength);
  for (let i = 0; i < 4; i++) frames.fill(i + 1, i * clipLength, (i + 1) * clipLength);
  return { frames, shape, actionIds: [0, 1, 2, 7], actorIds: Int32Array.from([0, 1, 3, 6]) };
}

const config = (tree: object): AugmentConfig => augmentConfigSchema.parse(tree);

function rowSums(targets: Float32Array, classes: number): number[] {
  const sums: number[] = [];
  for (let i = 0; i < targets.length / classes; i++) sums.push(targets.subarray(i * classes, (i + 1) * classes).reduce((a, b) => a + b, 0));
  return sums;
}

function expectTargetsMatch(result: MixedClipBatch, input: LabelledClipBatch): void {
  for (const [targets, classes, ids] of [
    [result.actionTargets, NUM_ACTIONS, input.actionIds],
    [result.actorTargets, NUM_ACTORS, input.actorIds],
  ] as const) {
    rowSums(targets, classes).forEach((sum) => expect(sum).toBeCloseTo(1, 6));
    for (let i = 0; i < 4; i++) {
      const expected = new Float32Array(classes);
      expected[ids[i]] += result.lambda;
      expected[ids[result.partner[i]]] += 1 - result.lambda;
      expect(Array.from(targets.subarray(i * classes, (i + 1) * classes))).toEqual(Array.from(expected));
    }
  }
}

describe('mixBatch', () => {
  it('returns one-hot targets, lambda 1 and the frames as they were when mixing is disabled', () => {
    const input = batch();
    const result = mixBatch(input, config({}), new Rng(1));
    expect(result.mode).toBe('none');
    expect(result.lambda).toBe(1);
    expect(result.frames).toBe(input.frames);
    expect(Array.from(result.actionTargets.subarray(NUM_ACTIONS * 3, NUM_ACTIONS * 4))).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(result.actorTargets.subarray(0, NUM_ACTORS))).toEqual([1, 0, 0, 0, 0, 0, 0]);
  });

  it('mixup blends every value with the partner clip by lambda and mixes both heads with it', () => {
    const input = batch();
    const result = mixBatch(input, config({ mixup: { alpha: 0.4 } }), new Rng(3));
    expect(result.mode).toBe('mixup');
    expect(result.lambda).toBeGreaterThan(0);
    expect(result.lambda).toBeLessThan(1);
    for (let i = 0; i < 4; i++) {
      const expected = result.lambda * (i + 1) + (1 - result.lambda) * (result.partner[i] + 1);
      expect(result.frames[i * clipLength]).toBeCloseTo(expected, 5);
      expect(result.frames[(i + 1) * clipLength - 1]).toBeCloseTo(expected, 5);
    }
    expect([...result.partner].sort()).toEqual([0, 1, 2, 3]);
    expect(input.frames[0]).toBe(1);
    expectTargetsMatch(result, input);
  });

  it('cutmix pastes one box (same on every frame) and lambda equals the area each clip keeps', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const input = batch();
      const result = mixBatch(input, config({ cutmix: { alpha: 1 } }), new Rng(seed));
      expect(result.mode).toBe('cutmix');
      const box = result.box as NonNullable<typeof result.box>;
      expect(result.lambda).toBeCloseTo(1 - (box.height * box.width) / (10 * 12), 10);
      for (let i = 0; i < 4; i++) {
        const own = i + 1;
        const mate = result.partner[i] + 1;
        for (let t = 0; t < 2; t++) {
          for (let y = 0; y < 10; y++) {
            for (let x = 0; x < 12; x++) {
              const inside = y >= box.top && y < box.top + box.height && x >= box.left && x < box.left + box.width;
              expect(result.frames[i * clipLength + ((t * 10 + y) * 12 + x) * 3 + 1]).toBe(inside ? mate : own);
            }
          }
        }
      }
      expectTargetsMatch(result, input);
    }
  });

  it('is deterministic for a seed and varies across seeds', () => {
    const settings = config({ mixup: { alpha: 0.8 }, cutmix: { alpha: 1 } });
    const a = mixBatch(batch(), settings, new Rng(9));
    const b = mixBatch(batch(), settings, new Rng(9));
    expect(Buffer.from(a.frames.buffer).equals(Buffer.from(b.frames.buffer))).toBe(true);
    expect(a.lambda).toBe(b.lambda);
    const lambdas = new Set([10, 11, 12, 13, 14].map((seed) => mixBatch(batch(), settings, new Rng(seed)).lambda));
    expect(lambdas.size).toBeGreaterThan(1);
    const modes = new Set([...Array(20).keys()].map((seed) => mixBatch(batch(), settings, new Rng(seed)).mode));
    expect([...modes].sort()).toEqual(['cutmix', 'mixup']);
  });

  it('skips mixing with probability 1 - prob', () => {
    expect(mixBatch(batch(), config({ mixup: { alpha: 1, prob: 0 } }), new Rng(1)).mode).toBe('none');
  });

  it('rejects labels that are not class indices and label counts that do not match the batch', () => {
    expect(() => mixBatch({ ...batch(), actionIds: [0, 1, 2, 8] }, config({}), new Rng(1))).toThrow(/batch.actionIds: expected class indices 0..7, got 8 at position 3/);
    expect(() => mixBatch({ ...batch(), actorIds: [0, 1] }, config({}), new Rng(1))).toThrow(/expected 4 class indices/);
  });
});
