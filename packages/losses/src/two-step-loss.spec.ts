import { a2dConfigSchema, ConfigError, NUM_ACTIONS, NUM_ACTORS, parseConfig, type LossConfig } from '@a2d/core';
import { tf } from '@a2d/engine';
import { classFrequencyWeights } from './class-frequency-weights';
import { consistencyLoss } from './consistency-loss';
import { crossEntropy } from './cross-entropy';
import { focalLoss } from './focal-loss';
import { LossInputError } from './loss-input-error';
import { TwoStepLoss } from './two-step-loss';

const lossConfig = (section: unknown): LossConfig => parseConfig(a2dConfigSchema, { loss: section }).loss;
const value = (scalar: tf.Scalar) => scalar.dataSync()[0];

/** A tiny batch of 3 clips: a fixed pseudo-random pattern, so every test sees the same numbers. */
function batch() {
  const pattern = (rows: number, columns: number, seed: number) =>
    Array.from({ length: rows }, (_, r) => Array.from({ length: columns }, (_, c) => Math.sin(seed + 1.7 * r + 0.9 * c) * 2));
  return {
    outputs: {
      actionLogits: tf.tensor2d(pattern(3, NUM_ACTIONS, 1)),
      actorLogits: tf.tensor2d(pattern(3, NUM_ACTORS, 2)),
      conditionedAction: tf.tensor1d([3, 0, 6], 'int32'),
    },
    targets: { action: tf.tensor1d([3, 1, 6], 'int32'), actor: tf.tensor1d([0, 4, 2], 'int32') },
  };
}

describe('TwoStepLoss', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('returns each term as the matching loss function computes it, and their weighted sum', () => {
    const config = lossConfig({ labelSmoothing: 0.1, weights: { action: 1, actor: 0.5, consistency: 2 } });
    const { outputs, targets } = batch();
    const result = new TwoStepLoss(config).compute(outputs, targets);
    const action = value(crossEntropy(outputs.actionLogits, targets.action, { labelSmoothing: 0.1 }));
    const actor = value(crossEntropy(outputs.actorLogits, targets.actor, { labelSmoothing: 0.1 }));
    const consistency = value(
      consistencyLoss({
        actionProbs: tf.softmax(outputs.actionLogits) as tf.Tensor2D,
        actorProbs: tf.softmax(outputs.actorLogits) as tf.Tensor2D,
        conditionedAction: outputs.conditionedAction,
      }),
    );
    expect(value(result.terms.action)).toBeCloseTo(action, 6);
    expect(value(result.terms.actor)).toBeCloseTo(actor, 6);
    expect(value(result.terms.consistency)).toBeCloseTo(consistency, 6);
    expect(consistency).toBeGreaterThan(0);
    expect(value(result.total)).toBeCloseTo(action + 0.5 * actor + 2 * consistency, 5);
  });

  it('uses the full conditional table for consistency when the model gives one', () => {
    const { outputs, targets } = batch();
    const tableLogits = tf.tensor3d(
      Array.from({ length: 3 }, (_, clip) =>
        Array.from({ length: NUM_ACTIONS }, (_, a) => Array.from({ length: NUM_ACTORS }, (_, c) => Math.cos(clip + a * c))),
      ),
    );
    const result = new TwoStepLoss(lossConfig({})).compute({ ...outputs, actorLogitsTable: tableLogits }, targets);
    const expected = consistencyLoss({
      actionProbs: tf.softmax(outputs.actionLogits) as tf.Tensor2D,
      actorTable: tf.softmax(tableLogits) as tf.Tensor3D,
    });
    expect(value(result.terms.consistency)).toBeCloseTo(value(expected), 6);
  });

  it('focal kind resolves adaptive alphas, and balanced class weights, from the class counts', () => {
    const counts = { action: [50, 10, 5, 40, 20, 8, 30, 60], actor: [100, 20, 15, 30, 25, 20, 40] };
    const adaptive = new TwoStepLoss(
      lossConfig({ kind: 'focal', labelSmoothing: 0, focal: { gamma: 1.5, alpha: 'adaptive', adaptive: { kind: 'sqrt-inverse' } } }),
      counts,
    );
    expect(adaptive.heads.actor.alpha).toEqual(classFrequencyWeights(counts.actor, { kind: 'sqrt-inverse', beta: 0.999 }));
    expect(adaptive.heads.actor.classWeights).toBeUndefined();
    const balanced = new TwoStepLoss(lossConfig({ kind: 'focal', labelSmoothing: 0, classWeights: 'balanced', focal: { gamma: 1.5, alpha: 0.25 } }), counts);
    expect(balanced.heads.action.classWeights).toEqual(classFrequencyWeights(counts.action, { kind: 'inverse' }));
    expect(balanced.heads.action.alpha).toBe(0.25);
    const { outputs, targets } = batch();
    for (const loss of [adaptive, balanced]) {
      const expected = focalLoss(outputs.actionLogits, targets.action, {
        gamma: 1.5,
        alpha: loss.heads.action.alpha,
        classWeights: loss.heads.action.classWeights,
      });
      expect(value(loss.compute(outputs, targets).terms.action)).toBeCloseTo(value(expected), 6);
    }
  });

  it('refuses balanced class weights with adaptive focal alphas (imbalance corrected twice), naming both keys', () => {
    const section = { kind: 'focal', classWeights: 'balanced', focal: { alpha: 'adaptive' } };
    expect(() => lossConfig(section)).toThrow(ConfigError);
    expect(() => lossConfig(section)).toThrow(/loss\.focal\.alpha: 'adaptive' with loss\.classWeights 'balanced' corrects for class imbalance twice/);
    // a section built in code, never parsed, is refused by the loss itself
    const unparsed: LossConfig = { ...lossConfig({ kind: 'focal', focal: { alpha: 'adaptive' } }), classWeights: 'balanced' };
    const counts = { action: [1, 2, 3, 4, 5, 6, 7, 8], actor: [1, 2, 3, 4, 5, 6, 7] };
    expect(() => new TwoStepLoss(unparsed, counts)).toThrow(/focal\.alpha: 'adaptive' with loss\.classWeights 'balanced'/);
    // either one alone, or both under cross-entropy (where alpha is unused), is fine
    expect(() => new TwoStepLoss(lossConfig({ kind: 'focal', focal: { alpha: 'adaptive' } }), counts)).not.toThrow();
    expect(() => new TwoStepLoss(lossConfig({ kind: 'ce', classWeights: 'balanced', focal: { alpha: 'adaptive' } }), counts)).not.toThrow();
  });

  it('takes soft targets for both heads (mixup) and matches one-hot soft targets to class indices', () => {
    const { outputs, targets } = batch();
    const loss = new TwoStepLoss(lossConfig({ classWeights: { action: [1, 2, 1, 1, 3, 1, 1, 1], actor: [1, 1, 2, 1, 1, 1, 1] } }));
    const soft = {
      action: tf.oneHot(targets.action, NUM_ACTIONS).toFloat() as tf.Tensor2D,
      actor: tf.oneHot(targets.actor, NUM_ACTORS).toFloat() as tf.Tensor2D,
    };
    expect(value(loss.compute(outputs, soft).total)).toBeCloseTo(value(loss.compute(outputs, targets).total), 5);
  });

  it('asks for class counts when the config needs them, and checks logits shapes', () => {
    expect(() => new TwoStepLoss(lossConfig({ classWeights: 'balanced' }))).toThrow(/classCounts: loss.classWeights 'balanced'/);
    expect(() => new TwoStepLoss(lossConfig({ kind: 'focal', focal: { alpha: 'adaptive' } }))).toThrow(LossInputError);
    expect(() => new TwoStepLoss(lossConfig({}), { action: [1, 2], actor: [1, 1, 1, 1, 1, 1, 1] })).toThrow(/classCounts.action/);
    const { outputs, targets } = batch();
    const swapped = { ...outputs, actorLogits: outputs.actionLogits };
    expect(() => new TwoStepLoss(lossConfig({})).compute(swapped, targets)).toThrow(/actorLogits: expected shape \[batch, 7\]/);
  });

  it('gives every logit a finite gradient and leaks no tensor across a forward and backward step', () => {
    const { outputs, targets } = batch();
    const actionLogits = tf.variable(outputs.actionLogits);
    const actorLogits = tf.variable(outputs.actorLogits);
    const loss = new TwoStepLoss(lossConfig({ kind: 'focal', focal: { gamma: 0.5, alpha: 0.25 } }));
    const before = tf.memory().numTensors;
    let logged: number[] = [];
    const { value: total, grads } = tf.variableGrads(() => {
      const result = loss.compute({ ...outputs, actionLogits, actorLogits }, targets);
      logged = [result.terms.action, result.terms.actor, result.terms.consistency].map(value);
      return result.total;
    }, [actionLogits, actorLogits]);
    for (const gradient of Object.values(grads)) {
      const values = Array.from(gradient.dataSync());
      expect(values.every(Number.isFinite)).toBe(true);
      expect(values.some((v) => v !== 0)).toBe(true);
    }
    expect(logged.every((term) => Number.isFinite(term) && term > 0)).toBe(true);
    tf.dispose([total, grads]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(loss.compute(outputs, targets));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('loss config section', () => {
  it('has defaults: cross-entropy, no smoothing, no class weights, consistency weight 0.1', () => {
    const config = lossConfig(undefined);
    expect(config).toMatchObject({ kind: 'ce', labelSmoothing: 0, classWeights: 'none' });
    expect(config.weights).toEqual({ action: 1, actor: 1, consistency: 0.1 });
    expect(config.focal).toMatchObject({ gamma: 2, alpha: 'none', adaptive: { kind: 'effective-number', beta: 0.999 } });
  });

  it('names the path and the bad value of an invalid setting', () => {
    const message = (section: unknown) => {
      try {
        lossConfig(section);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(message({ labelSmoothing: 1 })).toMatch(/loss\.labelSmoothing: .*got 1/);
    expect(message({ kind: 'hinge' })).toMatch(/loss\.kind: .*got "hinge"/);
    expect(message({ classWeights: 'balance' })).toMatch(/loss\.classWeights: expected 'none', 'balanced' or .*got "balance"/);
    expect(message({ focal: { gamma: -1 } })).toMatch(/loss\.focal\.gamma: .*got -1/);
    expect(message({ classWeights: { action: [1, 1], actor: [1, 1, 1, 1, 1, 1, 1] } })).toMatch(/loss\.classWeights/);
    expect(message({ weights: { action: 0, actor: 0, consistency: 0 } })).toMatch(/loss\.weights: expected at least one positive/);
  });
});
