import { MetricsInputError } from './metrics-input-error';
import { TwoStepMetrics, type TwoStepSample } from './two-step-metrics';
import { buildMetricsJson, metricsJsonSchema } from './metrics-json';

// Class indices: actions climbing 0, crawling 1, eating 2, flying 3, jumping 4, rolling 5, running 6, walking 7;
// actors adult 0, baby 1, ball 2, bird 3, car 4, cat 5, dog 6.
const probabilities = (order: number[]): number[] => {
  // order[0] gets the highest score, order[1] the next, ...
  const scores = new Array<number>(8).fill(0);
  order.forEach((action, rank) => (scores[action] = 0.9 - rank * 0.1));
  return scores;
};

// Worked by hand:
//   clip  true              plain prediction       right?          constrained        top-k rank of the true action
//   1     adult-climbing    adult-climbing         both            adult-climbing     0
//   2     baby-crawling     adult-crawling         action          baby-crawling      0
//   3     ball-flying       ball-jumping           actor           ball-jumping       1
//   4     dog-running       ball-eating (invalid)  neither         dog-running        3
const CLIPS: TwoStepSample[] = [
  { trueAction: 0, predAction: 0, trueActor: 0, predActor: 0, constrained: { action: 0, actor: 0 }, actionProbabilities: probabilities([0, 1, 2, 3, 4, 5, 6, 7]) },
  { trueAction: 1, predAction: 1, trueActor: 1, predActor: 0, constrained: { action: 1, actor: 1 }, actionProbabilities: probabilities([1, 0, 2, 3, 4, 5, 6, 7]) },
  { trueAction: 3, predAction: 4, trueActor: 2, predActor: 2, constrained: { action: 4, actor: 2 }, actionProbabilities: probabilities([4, 3, 0, 1, 2, 5, 6, 7]) },
  { trueAction: 6, predAction: 2, trueActor: 6, predActor: 2, constrained: { action: 6, actor: 6 }, actionProbabilities: probabilities([2, 0, 1, 6, 3, 4, 5, 7]) },
];

describe('TwoStepMetrics (hand-worked)', () => {
  const metrics = new TwoStepMetrics();
  metrics.update(CLIPS.slice(0, 1));
  metrics.update(CLIPS.slice(1));
  const result = metrics.compute();

  it('computes action, actor and combined accuracy in percent', () => {
    expect(metrics.numClips).toBe(4);
    expect(result.num_clips).toBe(4);
    expect(result.action_acc).toBe(50);
    expect(result.actor_acc).toBe(50);
    expect(result.combined_acc).toBe(25);
  });

  it('computes constrained-decoding accuracies separately', () => {
    expect(result.constrained_combined_acc).toBe(75);
    expect(result.constrained_action_acc).toBe(75);
    expect(result.constrained_actor_acc).toBe(100);
  });

  it('computes top-k action accuracy from the probabilities', () => {
    expect(result.action_top_k).toEqual([
      { k: 1, acc: 50 },
      { k: 3, acc: 75 },
      { k: 5, acc: 100 },
    ]);
  });

  it('builds the confusion matrices and the joint 36-pair matrix, counting invalid predicted pairs', () => {
    expect(result.action_confusion?.labels).toEqual(['climbing', 'crawling', 'eating', 'flying', 'jumping', 'rolling', 'running', 'walking']);
    expect(result.action_confusion?.matrix[3][4]).toBe(1);
    expect(result.action_confusion?.matrix[6][2]).toBe(1);
    expect(result.actor_confusion?.matrix[1][0]).toBe(1);
    const pairs = result.pair_confusion;
    if (!pairs) throw new Error('pair confusion missing');
    const at = (name: string): number => pairs.labels.indexOf(name);
    expect(pairs.labels).toHaveLength(36);
    expect(pairs.matrix[at('adult-climbing')][at('adult-climbing')]).toBe(1);
    expect(pairs.matrix[at('baby-crawling')][at('adult-crawling')]).toBe(1);
    expect(pairs.matrix[at('ball-flying')][at('ball-jumping')]).toBe(1);
    expect(pairs.invalid_predicted[at('dog-running')]).toBe(1);
    expect(pairs.matrix.flat().reduce((a, b) => a + b, 0)).toBe(3);
    expect(result.invalid_pair_predictions).toBe(1);
  });

  it('reports per-pair and per-class accuracy (null where a class has no clips)', () => {
    const pair = (name: string) => result.per_pair.find((p) => p.name === name);
    expect(pair('adult-climbing')).toMatchObject({ code: 11, support: 1, action_correct: 1, actor_correct: 1, correct: 1, acc: 100 });
    expect(pair('baby-crawling')).toMatchObject({ code: 22, support: 1, action_correct: 1, actor_correct: 0, correct: 0, acc: 0 });
    expect(pair('cat-eating')).toMatchObject({ support: 0, acc: null });
    expect(result.action_class_acc.map((c) => c.acc)).toEqual([100, 100, null, 0, null, null, 0, null]);
    expect(result.actor_class_acc.map((c) => c.acc)).toEqual([100, 0, 100, null, null, null, 0]);
    expect(result.action_mean_class_acc).toBe(50);
    expect(result.actor_mean_class_acc).toBe(50);
  });

  it('includes the reports, F1 scores and ill-defined warnings', () => {
    // Action F1 per class: climbing 1, crawling 1, eating 0 (predicted, no clips), flying 0, jumping 0, running 0.
    expect(result.action_f1).toBe(0.5); // weighted by support: (1 + 1 + 0 + 0) / 4
    expect(result.action_f1_macro).toBe(0.25); // (1 + 1) / 8
    expect(result.action_report?.ill_defined.precision).toEqual(['flying', 'rolling', 'running', 'walking']);
    expect(result.warnings).toContain(
      'action: F-score is ill-defined and set to 0.0 for labels with no true nor predicted clips: rolling, walking',
    );
    expect(result.unavailable).toEqual({});
    expect(metricsJsonSchema.parse(buildMetricsJson(result, { views: 1 }))).toMatchObject({ schema_version: 1, evaluation: { views: 1 } });
  });

  it('forgets everything on reset', () => {
    const fresh = new TwoStepMetrics();
    fresh.update(CLIPS);
    fresh.reset();
    expect(fresh.numClips).toBe(0);
    expect(() => fresh.compute()).toThrow(/no clips/);
    fresh.update(CLIPS);
    expect(fresh.compute()).toEqual(result);
  });
});

describe('TwoStepMetrics with predictions known only as right / wrong', () => {
  it('takes the accuracies from the flags and leaves the label-based metrics null with a reason', () => {
    const metrics = new TwoStepMetrics();
    metrics.update([
      { trueAction: 0, predAction: 0, trueActor: 0, predActor: null, actorCorrect: true },
      { trueAction: 1, predAction: 1, trueActor: 1, predActor: null, actorCorrect: false },
    ]);
    const result = metrics.compute();
    expect(result.actor_acc).toBe(50);
    expect(result.combined_acc).toBe(50);
    expect(result.actor_class_acc.slice(0, 2).map((c) => c.acc)).toEqual([100, 0]);
    expect(result.actor_report).toBeNull();
    expect(result.actor_f1).toBeNull();
    expect(result.pair_confusion).toBeNull();
    expect(result.unavailable.actor_report).toBe('2 of 2 clips have no predicted actor label, only whether it was right');
    expect(result.action_report).not.toBeNull();
    expect(result.unavailable.constrained_combined_acc).toBe('no constrained-decoding predictions were given');
    expect(result.unavailable.action_top_k).toBe('no action probabilities were given');
    expect(() => metricsJsonSchema.parse(buildMetricsJson(result))).not.toThrow();
  });

  it('warns when only some clips have constrained predictions or probabilities', () => {
    const metrics = new TwoStepMetrics({ topK: [2] });
    metrics.update([CLIPS[0], { ...CLIPS[1], constrained: undefined, actionProbabilities: undefined }]);
    const result = metrics.compute();
    expect(result.constrained_combined_acc).toBeNull();
    expect(result.action_top_k).toBeNull();
    expect(result.warnings).toContain('only 1 of 2 clips had constrained-decoding predictions: the metrics that need them are not computed');
  });
});

describe('TwoStepMetrics input validation', () => {
  const error = (batch: TwoStepSample[]): MetricsInputError => {
    const metrics = new TwoStepMetrics();
    try {
      metrics.update(batch);
    } catch (caught) {
      expect(caught).toBeInstanceOf(MetricsInputError);
      expect(metrics.numClips).toBe(0);
      return caught as MetricsInputError;
    }
    throw new Error('expected update to throw');
  };

  it('lists every bad sample of a batch and adds none of it', () => {
    const { message } = error([
      CLIPS[0],
      { trueAction: 8, predAction: 0, trueActor: 0, predActor: 0 },
      { trueAction: 0, predAction: null, trueActor: 0, predActor: 0 },
      { trueAction: 0, predAction: 1, trueActor: 0, predActor: 0, actionCorrect: true },
      { trueAction: 2, predAction: 2, trueActor: 2, predActor: 2 },
      { trueAction: 0, predAction: 0, trueActor: 0, predActor: 0, constrained: { action: 2, actor: 2 } },
      { trueAction: 0, predAction: 0, trueActor: 0, predActor: 0, actionProbabilities: [1, 2] },
    ]);
    expect(message).toContain('TwoStepMetrics.update: invalid batch');
    expect(message).toContain('batch.1.trueAction:');
    expect(message).toContain('batch.2.actionCorrect: required when predAction is null');
    expect(message).toContain('batch.3.actionCorrect: true contradicts predAction 1 (true 0)');
    expect(message).toContain('batch.4.trueActor: (ball, eating) is not one of the 36 A2D video-level pairs');
    expect(message).toContain('batch.5.constrained: constrained decoding must give a video-level pair');
    expect(message).toContain('batch.6.actionProbabilities:');
  });

  it('rejects a k outside 1..8', () => {
    expect(() => new TwoStepMetrics({ topK: [0, 9] })).toThrow(/k must be an integer in 1..8, got 0, 9/);
  });
});
