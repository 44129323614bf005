import { conditioningConfigSchema, Rng } from '@a2d/core';
import { chooseConditioningActions, predictionFeedProbability } from './scheduled-sampling';
import { TwoStepModelError } from './two-step-model-error';

const scheduled = (overrides: object = {}) => conditioningConfigSchema.parse({ mode: 'scheduled', ...overrides });

describe('scheduled sampling', () => {
  it('rises from 0 to the final probability, through half of it at the midpoint', () => {
    for (const schedule of ['linear', 'inverse-sigmoid'] as const) {
      const config = scheduled({ schedule, finalPredictionProb: 0.8 });
      expect(predictionFeedProbability(config, 0)).toBe(0);
      expect(predictionFeedProbability(config, 1)).toBeCloseTo(0.8, 12);
      expect(predictionFeedProbability(config, 0.5)).toBeCloseTo(0.4, 12);
      expect(predictionFeedProbability(config, -0.1)).toBe(0);
      expect(predictionFeedProbability(config, 1.1)).toBeCloseTo(0.8, 12);
      const curve = Array.from({ length: 11 }, (_, i) => predictionFeedProbability(config, i / 10));
      curve.slice(1).forEach((p, i) => expect(p).toBeGreaterThan(curve[i]));
    }
    // the inverse sigmoid stays flat early and late: below linear before the midpoint, above it after
    const sigmoid = scheduled({ schedule: 'inverse-sigmoid', finalPredictionProb: 1 });
    expect(predictionFeedProbability(sigmoid, 0.2)).toBeLessThan(0.1);
    expect(predictionFeedProbability(sigmoid, 0.8)).toBeGreaterThan(0.9);
    expect(predictionFeedProbability(scheduled({ midpoint: 0.3 }), 0.3)).toBeCloseTo(0.5, 1);
  });

  it('ignores progress in the ground-truth and predicted modes', () => {
    expect(predictionFeedProbability(scheduled({ mode: 'ground-truth' }), 1)).toBe(0);
    expect(predictionFeedProbability(scheduled({ mode: 'predicted' }), 0)).toBe(1);
    expect(() => predictionFeedProbability(scheduled(), Number.NaN)).toThrow(TwoStepModelError);
  });

  it('mixes ground truth and predictions per clip at the scheduled rate, reproducibly', () => {
    const count = 4000;
    const truth = Array.from({ length: count }, (_, i) => i % 8);
    const predicted = truth.map((a) => (a + 1) % 8);
    const config = scheduled({ schedule: 'linear', finalPredictionProb: 1 });
    const choice = chooseConditioningActions(config, truth, () => predicted, 0.3, new Rng('mix'));
    const fed = choice.fedPrediction.filter(Boolean).length / count;
    expect(fed).toBeGreaterThan(0.27);
    expect(fed).toBeLessThan(0.33);
    choice.actions.forEach((action, i) => expect(action).toBe(choice.fedPrediction[i] ? predicted[i] : truth[i]));
    expect(chooseConditioningActions(config, truth, () => predicted, 0.3, new Rng('mix'))).toEqual(choice);
  });

  it('reads predictions only when a clip needs them, and validates actions', () => {
    const unread = () => {
      throw new Error('predictions read');
    };
    const groundTruth = chooseConditioningActions(scheduled({ mode: 'ground-truth' }), [0, 7], unread, 0.5, new Rng(1));
    expect(groundTruth.actions).toEqual([0, 7]);
    expect(() => chooseConditioningActions(scheduled(), [0, 8], () => [0, 0], 0.5, new Rng(1))).toThrow(
      /groundTruthActions\[1\]: expected an action class index in 0\.\.7, got 8/,
    );
  });
});
