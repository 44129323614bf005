/**
 * `TwoStepMetrics`: accumulate / compute / reset (MMAction2's `AccMetric` shape), built on confusion matrices.
 * Feed it batches of clips (true and predicted action and actor, optionally constrained-decoding predictions and
 * step 1's action probabilities); `compute()` gives every number of `metrics.json` except the writer's settings.
 *
 * A predicted label may be `null` when only its correctness is known (a predictions file whose label column is
 * broken): then the matching `actionCorrect` / `actorCorrect` flag counts for the accuracies, and the metrics that
 * need the predicted labels (precision, F1, confusion matrices) are null with the reason in `unavailable`.
 */
import { z } from 'zod';
import { ACTIONS, ACTORS, NUM_ACTIONS, NUM_ACTORS, VIDEO_ACTIONS } from '@a2d/core';
import { classificationReport, describeIllDefined, type ClassificationReport } from './classification-report';
import { createConfusionMatrix, type ConfusionMatrix } from './confusion-matrix';
import type { MetricsJsonBody } from './metrics-json';
import { MetricsInputError, zodIssues } from './metrics-input-error';
import { meanClassAccuracy } from './mean-class-accuracy';
import type { ZeroDivision } from './precision-recall-fscore';
import { isTopKHit } from './top-k-accuracy';
import { VIDEO_LEVEL_PAIRS, videoLevelPairIndex } from './video-level-pairs';

const actionIndex = z.number().int().min(0).max(NUM_ACTIONS - 1);
const actorIndex = z.number().int().min(0).max(NUM_ACTORS - 1);

/** One clip's labels and predictions; indices are 0-based model classes (`VIDEO_ACTIONS`, `ACTORS` order). */
export const twoStepSampleSchema = z
  .object({
    trueAction: actionIndex,
    /** Step 1's action; null when only `actionCorrect` is known. */
    predAction: actionIndex.nullable(),
    trueActor: actorIndex,
    /** Step 2's actor; null when only `actorCorrect` is known. */
    predActor: actorIndex.nullable(),
    /** Whether the action was right; required when `predAction` is null, must agree with it otherwise. */
    actionCorrect: z.boolean().optional(),
    /** Whether the actor was right; required when `predActor` is null, must agree with it otherwise. */
    actorCorrect: z.boolean().optional(),
    /** The pair chosen by constrained decoding (always a video-level pair). */
    constrained: z.object({ action: actionIndex, actor: actorIndex }).optional(),
    /** Step 1's scores over the 8 actions (probabilities or logits), for top-k accuracy. */
    actionProbabilities: z.array(z.number()).length(NUM_ACTIONS).optional(),
  })
  .superRefine((sample, ctx) => {
    const heads = [
      { pred: sample.predAction, truth: sample.trueAction, flag: sample.actionCorrect, predKey: 'predAction', flagKey: 'actionCorrect' },
      { pred: sample.predActor, truth: sample.trueActor, flag: sample.actorCorrect, predKey: 'predActor', flagKey: 'actorCorrect' },
    ];
    for (const { pred, truth, flag, predKey, flagKey } of heads) {
      if (pred === null && flag === undefined) {
        ctx.addIssue({ code: 'custom', path: [flagKey], message: `required when ${predKey} is null` });
      } else if (pred !== null && flag !== undefined && flag !== (pred === truth)) {
        ctx.addIssue({ code: 'custom', path: [flagKey], message: `${flag} contradicts ${predKey} ${pred} (true ${truth})` });
      }
    }
    if (videoLevelPairIndex(sample.trueActor, sample.trueAction) < 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['trueActor'],
        message: `(${ACTORS[sample.trueActor]}, ${ACTIONS[sample.trueAction]}) is not one of the ${VIDEO_LEVEL_PAIRS.length} A2D video-level pairs`,
      });
    }
    if (sample.constrained && videoLevelPairIndex(sample.constrained.actor, sample.constrained.action) < 0) {
      ctx.addIssue({ code: 'custom', path: ['constrained'], message: 'constrained decoding must give a video-level pair' });
    }
  });

/** One clip for `TwoStepMetrics.update`. */
export type TwoStepSample = z.input<typeof twoStepSampleSchema>;

/** Options of `TwoStepMetrics`. */
export interface TwoStepMetricsOptions {
  /** The k of top-k action accuracy (default 1, 3, 5). */
  topK?: readonly number[];
  /** scikit-learn's `zero_division` for precision / recall / F1 (default 'warn': 0.0, reported in `warnings`). */
  zeroDivision?: ZeroDivision;
}

/** The default k of top-k action accuracy. */
export const DEFAULT_TOP_K: readonly number[] = [1, 3, 5];

interface HeadCounts {
  matrix: ConfusionMatrix;
  support: number[];
  correct: number[];
  /** Clips whose predicted label is unknown (only the flag). */
  unknownPredictions: number;
}

function createHead(size: number): HeadCounts {
  return { matrix: createConfusionMatrix(size), support: new Array<number>(size).fill(0), correct: new Array<number>(size).fill(0), unknownPredictions: 0 };
}

/** Accumulates two-step predictions; `compute()` the metrics, `reset()` to start over. */
export class TwoStepMetrics {
  private readonly topK: readonly number[];
  private readonly zeroDivision: ZeroDivision;
  private clips = 0;
  private combinedCorrect = 0;
  private action = createHead(NUM_ACTIONS);
  private actor = createHead(NUM_ACTORS);
  private pairMatrix = createConfusionMatrix(VIDEO_LEVEL_PAIRS.length);
  private pairInvalid = new Array<number>(VIDEO_LEVEL_PAIRS.length).fill(0);
  private pairCounts = VIDEO_LEVEL_PAIRS.map(() => ({ support: 0, actionCorrect: 0, actorCorrect: 0, correct: 0 }));
  private constrained = { clips: 0, action: 0, actor: 0, combined: 0 };
  private scored = { clips: 0, hits: [] as number[] };

  constructor(options: TwoStepMetricsOptions = {}) {
    const topK = options.topK ?? DEFAULT_TOP_K;
    const bad = topK.filter((k) => !Number.isInteger(k) || k < 1 || k > NUM_ACTIONS);
    if (bad.length > 0) throw new MetricsInputError('TwoStepMetrics', [{ path: 'topK', message: `k must be an integer in 1..${NUM_ACTIONS}, got ${bad.join(', ')}` }]);
    this.topK = [...new Set(topK)].sort((a, b) => a - b);
    this.zeroDivision = options.zeroDivision ?? 'warn';
    this.reset();
  }

  /** Clips accumulated since the last reset. */
  get numClips(): number {
    return this.clips;
  }

  /** Forgets every clip. */
  reset(): void {
    this.clips = 0;
    this.combinedCorrect = 0;
    this.action = createHead(NUM_ACTIONS);
    this.actor = createHead(NUM_ACTORS);
    this.pairMatrix = createConfusionMatrix(VIDEO_LEVEL_PAIRS.length);
    this.pairInvalid = new Array<number>(VIDEO_LEVEL_PAIRS.length).fill(0);
    this.pairCounts = VIDEO_LEVEL_PAIRS.map(() => ({ support: 0, actionCorrect: 0, actorCorrect: 0, correct: 0 }));
    this.constrained = { clips: 0, action: 0, actor: 0, combined: 0 };
    this.scored = { clips: 0, hits: this.topK.map(() => 0) };
  }

  /** Adds a batch of clips. The whole batch is validated first: one bad sample adds nothing and lists every problem. */
  update(batch: readonly TwoStepSample[]): void {
    const parsed = z.array(twoStepSampleSchema).safeParse(batch);
    if (!parsed.success) throw new MetricsInputError('TwoStepMetrics.update: invalid batch', zodIssues(parsed.error, 'batch'));
    for (const sample of parsed.data) {
      this.clips++;
      const actionRight = accumulateHead(this.action, sample.trueAction, sample.predAction, sample.actionCorrect);
      const actorRight = accumulateHead(this.actor, sample.trueActor, sample.predActor, sample.actorCorrect);
      if (actionRight && actorRight) this.combinedCorrect++;

      const pair = videoLevelPairIndex(sample.trueActor, sample.trueAction);
      const counts = this.pairCounts[pair];
      counts.support++;
      if (actionRight) counts.actionCorrect++;
      if (actorRight) counts.actorCorrect++;
      if (actionRight && actorRight) counts.correct++;
      if (sample.predAction !== null && sample.predActor !== null) {
        const predicted = videoLevelPairIndex(sample.predActor, sample.predAction);
        if (predicted < 0) this.pairInvalid[pair]++;
        else this.pairMatrix[pair][predicted]++;
      }

      if (sample.constrained) {
        const action = sample.constrained.action === sample.trueAction;
        const actor = sample.constrained.actor === sample.trueActor;
        this.constrained.clips++;
        if (action) this.constrained.action++;
        if (actor) this.constrained.actor++;
        if (action && actor) this.constrained.combined++;
      }
      const scores = sample.actionProbabilities;
      if (scores) {
        this.scored.clips++;
        this.topK.forEach((k, i) => {
          if (isTopKHit(scores, sample.trueAction, k)) this.scored.hits[i]++;
        });
      }
    }
  }

  /** Every metric of the clips so far; throws `MetricsInputError` when there are none. */
  compute(): MetricsJsonBody {
    const n = this.clips;
    if (n === 0) throw new MetricsInputError('TwoStepMetrics.compute', [{ path: '(state)', message: 'no clips: update() with at least one clip first' }]);
    const percent = (count: number, of = n): number => (100 * count) / of;
    const unavailable: Record<string, string> = {};
    const warnings: string[] = [];
    const markUnavailable = (keys: readonly string[], reason: string): void => keys.forEach((key) => (unavailable[key] = unavailable[key] ?? reason));

    const report = (head: HeadCounts, labels: readonly string[], name: 'action' | 'actor'): ClassificationReport | null => {
      if (head.unknownPredictions > 0) {
        const reason = `${head.unknownPredictions} of ${n} clips have no predicted ${name} label, only whether it was right`;
        markUnavailable([`${name}_report`, `${name}_confusion`, `${name}_f1`, `${name}_f1_macro`, 'pair_confusion', 'invalid_pair_predictions'], reason);
        return null;
      }
      const result = classificationReport(head.matrix, labels, this.zeroDivision);
      warnings.push(...describeIllDefined(result, name));
      return result;
    };
    const actionReport = report(this.action, VIDEO_ACTIONS, 'action');
    const actorReport = report(this.actor, ACTORS, 'actor');
    const pairsKnown = actionReport !== null && actorReport !== null;

    const constrainedComplete = this.partialCheck(this.constrained.clips, 'constrained-decoding predictions', warnings);
    if (constrainedComplete !== true) markUnavailable(['constrained_combined_acc', 'constrained_action_acc', 'constrained_actor_acc'], constrainedComplete);
    const topKComplete = this.partialCheck(this.scored.clips, 'action probabilities', warnings);
    if (topKComplete !== true) markUnavailable(['action_top_k'], topKComplete);

    const classAccuracy = (head: HeadCounts, labels: readonly string[]) =>
      labels.map((label, i) => ({
        label,
        support: head.support[i],
        correct: head.correct[i],
        acc: head.support[i] > 0 ? percent(head.correct[i], head.support[i]) : null,
      }));

    return {
      num_clips: n,
      action_acc: percent(sum(this.action.correct)),
      actor_acc: percent(sum(this.actor.correct)),
      combined_acc: percent(this.combinedCorrect),
      action_f1: actionReport?.weighted_avg.f1_score ?? null,
      actor_f1: actorReport?.weighted_avg.f1_score ?? null,
      action_f1_macro: actionReport?.macro_avg.f1_score ?? null,
      actor_f1_macro: actorReport?.macro_avg.f1_score ?? null,
      action_mean_class_acc: 100 * meanClassAccuracy(this.action.support, this.action.correct),
      actor_mean_class_acc: 100 * meanClassAccuracy(this.actor.support, this.actor.correct),
      constrained_combined_acc: constrainedComplete === true ? percent(this.constrained.combined) : null,
      constrained_action_acc: constrainedComplete === true ? percent(this.constrained.action) : null,
      constrained_actor_acc: constrainedComplete === true ? percent(this.constrained.actor) : null,
      action_top_k: topKComplete === true ? this.topK.map((k, i) => ({ k, acc: percent(this.scored.hits[i]) })) : null,
      action_report: actionReport,
      actor_report: actorReport,
      action_confusion: actionReport ? { labels: [...VIDEO_ACTIONS], matrix: copy(this.action.matrix) } : null,
      actor_confusion: actorReport ? { labels: [...ACTORS], matrix: copy(this.actor.matrix) } : null,
      pair_confusion: pairsKnown
        ? {
            labels: VIDEO_LEVEL_PAIRS.map((pair) => pair.name),
            codes: VIDEO_LEVEL_PAIRS.map((pair) => pair.code),
            matrix: copy(this.pairMatrix),
            invalid_predicted: [...this.pairInvalid],
          }
        : null,
      invalid_pair_predictions: pairsKnown ? sum(this.pairInvalid) : null,
      action_class_acc: classAccuracy(this.action, VIDEO_ACTIONS),
      actor_class_acc: classAccuracy(this.actor, ACTORS),
      per_pair: VIDEO_LEVEL_PAIRS.map((pair, i) => {
        const counts = this.pairCounts[i];
        return {
          code: pair.code,
          name: pair.name,
          actor: pair.actor,
          action: pair.action,
          support: counts.support,
          action_correct: counts.actionCorrect,
          actor_correct: counts.actorCorrect,
          correct: counts.correct,
          acc: counts.support > 0 ? percent(counts.correct, counts.support) : null,
        };
      }),
      unavailable,
      warnings,
    };
  }

  // true when every clip had the optional input; otherwise the reason it is unavailable (a warning when partial).
  private partialCheck(withInput: number, what: string, warnings: string[]): true | string {
    if (withInput === this.clips) return true;
    if (withInput === 0) return `no ${what} were given`;
    const reason = `only ${withInput} of ${this.clips} clips had ${what}`;
    warnings.push(`${reason}: the metrics that need them are not computed`);
    return reason;
  }
}

function accumulateHead(head: HeadCounts, truth: number, predicted: number | null, flag: boolean | undefined): boolean {
  const right = predicted === null ? flag === true : predicted === truth;
  if (predicted === null) head.unknownPredictions++;
  else head.matrix[truth][predicted]++;
  head.support[truth]++;
  if (right) head.correct[truth]++;
  return right;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function copy(matrix: ConfusionMatrix): ConfusionMatrix {
  return matrix.map((row) => [...row]);
}
