/**
 * `npx nx run evaluator:score --predictions=<csv> --out=<dir>`
 * Scores a predictions CSV (`video_id,true_action,pred_action,true_actor,pred_actor,action_correct,actor_correct`):
 * writes `<out>/metrics.json` and the action / actor classification reports in the scikit-learn CSV layout, and
 * prints the accuracies, F1 scores and every warning. A report that cannot be computed from the file (its label
 * column contradicts its correctness flags) is not written, and the summary says why.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { checkOutputPath, parseCommandLine, runCommandLine, stringFlag } from '@a2d/core';
import {
  readPredictionsCsv,
  scorePredictions,
  writeClassificationReportCsv,
  writeMetricsJson,
  type ClassificationReport,
  type MetricsJson,
} from '@a2d/metrics';

/** evaluator:score's command line: a file in, a folder out, no config (nothing it does is a config setting). */
export const SCORE_COMMAND_LINE = {
  name: 'evaluator:score',
  summary: 'scores a predictions CSV: writes metrics.json and the action / actor classification reports, prints accuracies, F1 scores and warnings',
  flags: z.object({
    predictions: stringFlag()
      .describe('the predictions CSV (video_id,true_action,pred_action,true_actor,pred_actor,action_correct,actor_correct)')
      .meta({ placeholder: 'file.csv' }),
    out: stringFlag().describe('the folder metrics.json and the reports are written to').meta({ placeholder: 'dir' }),
  }),
  configOverrides: false,
  configHint: 'it scores the file given by --predictions=<file.csv> into --out=<dir>',
};

/** What `runScoreCommand` wrote. */
export interface ScoreOutcome {
  metrics: MetricsJson;
  /** Files written, in order. */
  written: string[];
  /** Reports not written, with the reason. */
  skipped: { file: string; reason: string }[];
}

const percent = (value: number | null): string => (value === null ? 'unavailable' : `${value.toFixed(4)} %`);
const score = (value: number | null): string => (value === null ? 'unavailable' : value.toFixed(4));

/** The printed summary of a scored file: accuracies, F1 scores, warnings. */
export function formatScoreSummary(metrics: MetricsJson, predictions: string): string {
  const lines = [
    `${predictions}: ${metrics.num_clips} clips`,
    `  action   accuracy ${percent(metrics.action_acc)}  F1 weighted ${score(metrics.action_f1)}  macro ${score(metrics.action_f1_macro)}`,
    `  actor    accuracy ${percent(metrics.actor_acc)}  F1 weighted ${score(metrics.actor_f1)}  macro ${score(metrics.actor_f1_macro)}`,
    `  combined accuracy ${percent(metrics.combined_acc)}`,
    `  constrained combined accuracy ${percent(metrics.constrained_combined_acc)}` +
      (metrics.constrained_combined_acc === null ? ` (${metrics.unavailable.constrained_combined_acc})` : ''),
  ];
  if (metrics.actor_f1 === null) lines.push(`  actor F1 unavailable: ${metrics.unavailable.actor_f1}`);
  if (metrics.action_f1 === null) lines.push(`  action F1 unavailable: ${metrics.unavailable.action_f1}`);
  lines.push(...metrics.warnings.map((warning) => `WARNING: ${warning}`));
  return `${lines.join('\n')}\n`;
}

/** Runs the command; `print` receives the summary. Our typed errors propagate to `runCommandLine`. */
export async function runScoreCommand(argv: readonly string[], print: (text: string) => void): Promise<ScoreOutcome> {
  const { flags } = parseCommandLine(argv, SCORE_COMMAND_LINE);
  // A file in the way of the folder is one line now, not a stack after scoring.
  checkOutputPath(flags.out, 'folder');
  const rows = await readPredictionsCsv(flags.predictions);
  const { metrics: scored } = scorePredictions(rows, flags.predictions);
  const metrics: MetricsJson = {
    ...scored,
    evaluation: { ...scored.evaluation, command: 'evaluator:score', scored_at: new Date().toISOString() },
  };
  print(formatScoreSummary(metrics, flags.predictions));

  const written: string[] = [];
  const skipped: ScoreOutcome['skipped'] = [];
  const metricsFile = path.join(flags.out, 'metrics.json');
  await writeMetricsJson(metricsFile, metrics);
  written.push(metricsFile);
  const reports: [string, ClassificationReport | null, string | undefined][] = [
    ['action_classification_report.csv', metrics.action_report, metrics.unavailable.action_report],
    ['actor_classification_report.csv', metrics.actor_report, metrics.unavailable.actor_report],
  ];
  for (const [name, report, reason] of reports) {
    const file = path.join(flags.out, name);
    if (report) {
      await writeClassificationReportCsv(file, report);
      written.push(file);
    } else {
      // A report left from an earlier run would sit next to metrics.json that disowns it.
      await rm(file, { force: true });
      skipped.push({ file, reason: reason ?? 'unavailable' });
    }
  }
  print(written.map((file) => `wrote ${file}\n`).join(''));
  print(skipped.map(({ file, reason }) => `not written: ${file}: ${reason}\n`).join(''));
  return { metrics, written, skipped };
}

if (require.main === module) {
  void runCommandLine(SCORE_COMMAND_LINE, async () => {
    await runScoreCommand(process.argv.slice(2), (text) => process.stdout.write(text));
  });
}
