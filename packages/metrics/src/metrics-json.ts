/**
 * `metrics.json`: the one schema shared by its writer (the evaluator and `evaluator:score`) and its readers (the
 * reporter, the scorer's tests). Accuracies are percentages (0..100), F1 scores fractions (0..1). A metric that
 * could not be computed is `null`, and `unavailable` says why for every such field.
 */
import { z } from 'zod';
import { DatasetError, parseJsonText, readTextFile, writeJsonAtomic } from '@a2d/core';
import { classificationReportSchema } from './classification-report';
import { labelledConfusionMatrixSchema } from './confusion-matrix';
import { MetricsInputError, zodIssues } from './metrics-input-error';

/** The `schema_version` this package writes and reads. */
export const METRICS_JSON_VERSION = 1;

const percent = z.number().min(0).max(100);
const fraction = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

/** Accuracy of the clips of one true class (= its recall); `acc` is null when the class has no clips. */
export const classAccuracySchema = z.object({
  label: z.string().min(1),
  support: count,
  correct: count,
  acc: percent.nullable(),
});

/** Accuracy of the clips of one true (actor, action) pair; `correct` counts clips with both right. */
export const pairAccuracySchema = z.object({
  code: z.number().int(),
  name: z.string().min(1),
  actor: z.string().min(1),
  action: z.string().min(1),
  support: count,
  action_correct: count,
  actor_correct: count,
  correct: count,
  acc: percent.nullable(),
});

/**
 * The joint confusion matrix over the 36 video-level pairs; `invalid_predicted[true]` counts clips whose predicted
 * (actor, action) is not a video-level pair at all (possible without constrained decoding).
 */
export const pairConfusionSchema = z
  .object({
    labels: z.array(z.string().min(1)).min(1),
    codes: z.array(z.number().int()),
    matrix: z.array(z.array(count)),
    invalid_predicted: z.array(count),
  })
  .superRefine((value, ctx) => {
    const n = value.labels.length;
    if (value.matrix.length !== n || value.matrix.some((row) => row.length !== n)) {
      ctx.addIssue({ code: 'custom', path: ['matrix'], message: `expected a ${n}x${n} matrix (one row and column per label)` });
    }
    if (value.codes.length !== n) ctx.addIssue({ code: 'custom', path: ['codes'], message: `expected ${n} codes` });
    if (value.invalid_predicted.length !== n) ctx.addIssue({ code: 'custom', path: ['invalid_predicted'], message: `expected ${n} counts` });
  });

/** Top-k accuracy (percent) for one k. */
export const topKAccuracySchema = z.object({ k: z.number().int().positive(), acc: percent });

/** The metric fields that may be null; each null one has its reason in `unavailable`. */
export const NULLABLE_METRICS = [
  'action_f1',
  'actor_f1',
  'action_f1_macro',
  'actor_f1_macro',
  'action_mean_class_acc',
  'actor_mean_class_acc',
  'constrained_combined_acc',
  'constrained_action_acc',
  'constrained_actor_acc',
  'action_top_k',
  'action_report',
  'actor_report',
  'action_confusion',
  'actor_confusion',
  'pair_confusion',
  'invalid_pair_predictions',
] as const;

/** The `metrics.json` schema. */
export const metricsJsonSchema = z
  .strictObject({
    schema_version: z.literal(METRICS_JSON_VERSION),
    /** Clips evaluated. */
    num_clips: z.number().int().positive(),
    /** Action (step 1) accuracy, percent. */
    action_acc: percent,
    /** Actor (step 2) accuracy, percent. */
    actor_acc: percent,
    /** Clips with both action and actor right, percent (the primary metric). */
    combined_acc: percent,
    /** Support-weighted F1 of the action head (0..1), scikit-learn's `f1_score(average='weighted')`. */
    action_f1: fraction.nullable(),
    actor_f1: fraction.nullable(),
    /** Macro F1 (0..1): every class counts the same, classes without clips or predictions included at 0. */
    action_f1_macro: fraction.nullable(),
    actor_f1_macro: fraction.nullable(),
    /** Mean over classes with clips of the per-class accuracy, percent (scikit-learn's `balanced_accuracy_score`). */
    action_mean_class_acc: percent.nullable(),
    actor_mean_class_acc: percent.nullable(),
    /** Combined / action / actor accuracy of constrained decoding (valid A2D pairs only), percent. */
    constrained_combined_acc: percent.nullable(),
    constrained_action_acc: percent.nullable(),
    constrained_actor_acc: percent.nullable(),
    /** Top-k action accuracy from step 1's probabilities. */
    action_top_k: z.array(topKAccuracySchema).nullable(),
    action_report: classificationReportSchema.nullable(),
    actor_report: classificationReportSchema.nullable(),
    action_confusion: labelledConfusionMatrixSchema.nullable(),
    actor_confusion: labelledConfusionMatrixSchema.nullable(),
    pair_confusion: pairConfusionSchema.nullable(),
    /** Plain predictions whose (actor, action) is not one of the 36 video-level pairs. */
    invalid_pair_predictions: count.nullable(),
    action_class_acc: z.array(classAccuracySchema),
    actor_class_acc: z.array(classAccuracySchema),
    /** Per true video-level pair, in label-code order. */
    per_pair: z.array(pairAccuracySchema),
    /** Why each null metric is null, keyed by field name. */
    unavailable: z.record(z.string(), z.string()),
    /** How the predictions were made (checkpoint, views, crops, backend, ...), filled by the writer. */
    evaluation: z.record(z.string(), z.json()),
    /** Everything a reader should know about the numbers (bad input columns, ill-defined metrics, ...). */
    warnings: z.array(z.string()),
  })
  .superRefine((metrics, ctx) => {
    for (const key of NULLABLE_METRICS) {
      if (metrics[key] === null && metrics.unavailable[key] === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `null without a reason in unavailable.${key}` });
      }
    }
  });

/** The content of `metrics.json`. */
export type MetricsJson = z.infer<typeof metricsJsonSchema>;

/** Validates a parsed `metrics.json` value; throws `DatasetError` naming the file and every bad field. */
export function parseMetricsJson(value: unknown, file: string): MetricsJson {
  const parsed = metricsJsonSchema.safeParse(value);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw new DatasetError(file, `invalid metrics.json:\n${issues.map((issue) => `  ${issue.path}: ${issue.message}`).join('\n')}`);
  }
  return parsed.data;
}

/** Reads and validates a `metrics.json`; unreadable or invalid files are `DatasetError`s naming the file. */
export async function readMetricsJson(file: string): Promise<MetricsJson> {
  return parseMetricsJson(parseJsonText(await readTextFile(file, 'metrics'), file), file);
}

/** Validates `metrics` against the schema (a `MetricsInputError` lists every problem) and writes it atomically. */
export async function writeMetricsJson(file: string, metrics: MetricsJson): Promise<void> {
  const parsed = metricsJsonSchema.safeParse(metrics);
  if (!parsed.success) throw new MetricsInputError(`refusing to write an invalid ${file}`, zodIssues(parsed.error));
  await writeJsonAtomic(file, parsed.data);
}

/** Everything of `metrics.json` that the metrics themselves determine (what `TwoStepMetrics.compute` returns). */
export type MetricsJsonBody = Omit<MetricsJson, 'schema_version' | 'evaluation'>;

/** Assembles a `metrics.json` value: `body`, the writer's `evaluation` settings, its warnings before the body's. */
export function buildMetricsJson(body: MetricsJsonBody, evaluation: MetricsJson['evaluation'] = {}, warnings: readonly string[] = []): MetricsJson {
  return { schema_version: METRICS_JSON_VERSION, ...body, evaluation, warnings: [...warnings, ...body.warnings] };
}
