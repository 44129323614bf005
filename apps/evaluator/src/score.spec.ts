import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, DatasetError, runCommandLine } from '@a2d/core';
import { describeWithReferenceFixture, referenceFixture } from '@a2d/core/testing';
import { PREDICTIONS_CSV_HEADER, readMetricsJson } from '@a2d/metrics';
import { runScoreCommand, SCORE_COMMAND_LINE } from './score';

const WORKSPACE = path.join(__dirname, '../../..');
const REFERENCE = referenceFixture('test_predictions.csv');

const tempDir = (): string => mkdtempSync(path.join(os.tmpdir(), 'a2d-score-'));

function capture(): { print: (text: string) => void; text: () => string } {
  const chunks: string[] = [];
  return { print: (text) => chunks.push(text), text: () => chunks.join('') };
}

describe('evaluator:score', () => {
  it('writes both reports for a consistent file and removes a stale one when a report becomes unavailable', async () => {
    const dir = tempDir();
    const good = path.join(dir, 'good.csv');
    writeFileSync(
      good,
      [PREDICTIONS_CSV_HEADER, 'a,climbing,climbing,adult,adult,True,True', 'b,crawling,climbing,baby,adult,False,False', 'c,flying,flying,bird,bird,True,True', ''].join('\n'),
    );
    const out = path.join(dir, 'out');
    const first = await runScoreCommand([`--predictions=${good}`, `--out=${out}`], () => undefined);
    expect(first.skipped).toEqual([]);
    expect(readFileSync(path.join(out, 'actor_classification_report.csv'), 'utf8').split('\n')[0]).toBe(',precision,recall,f1-score,support');

    const broken = path.join(dir, 'broken.csv');
    writeFileSync(broken, readFileSync(good, 'utf8').replace('b,crawling,climbing,baby,adult', 'b,crawling,climbing,baby,baby'));
    const second = await runScoreCommand([`--predictions=${broken}`, `--out=${out}`], () => undefined);
    expect(second.skipped.map((s) => path.basename(s.file))).toEqual(['actor_classification_report.csv']);
    expect(existsSync(path.join(out, 'actor_classification_report.csv'))).toBe(false);
    expect(second.metrics.actor_acc).toBeCloseTo(200 / 3, 12);
  });

  it('reports every bad row of a CSV as file:line: field: reason, and writes nothing', async () => {
    const dir = tempDir();
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, [PREDICTIONS_CSV_HEADER, 'a,climbing,climbing,adult,adult,True,True', 'b,climbing,climbng,adult,adult,False,True', 'c,walking,walking,robot,adult,True,maybe', ''].join('\n'));
    const out = path.join(dir, 'out');
    const error = await runScoreCommand([`--predictions=${bad}`, `--out=${out}`], () => undefined).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message.split('\n')).toEqual([
      `${bad}:3: pred_action: unknown action: expected one of climbing, crawling, eating, flying, jumping, rolling, running, walking, got "climbng"`,
      `  ${bad}:4: true_actor: unknown actor: expected one of adult, baby, ball, bird, car, cat, dog, got "robot"`,
      `  ${bad}:4: actor_correct: expected True or False, got "maybe"`,
    ]);
    expect(existsSync(out)).toBe(false);

    const lines: string[] = [];
    let exitCode = -1;
    const code = await runCommandLine(SCORE_COMMAND_LINE, () => runScoreCommand([`--predictions=${bad}`, `--out=${out}`], () => undefined).then(() => undefined), {
      error: (line) => lines.push(line),
      exit: (c) => (exitCode = c),
    });
    expect([code, exitCode]).toEqual([1, 1]);
    expect(lines[0]).toMatch(new RegExp(`^evaluator:score: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: pred_action:`));
  });

  it('rejects a bad command line with the usage', async () => {
    await expect(runScoreCommand(['--predictons=x.csv'], () => undefined)).rejects.toThrow(ConfigError);
    await expect(runScoreCommand(['--predictons=x.csv'], () => undefined)).rejects.toThrow(/--predictons: unknown option \(did you mean --predictions\?\)/);
    const lines: string[] = [];
    await runCommandLine(SCORE_COMMAND_LINE, () => runScoreCommand(['--out'], () => undefined).then(() => undefined), {
      error: (line) => lines.push(line),
      exit: () => undefined,
    });
    expect(lines.join('\n')).toContain('--predictions:');
    expect(lines.join('\n')).toContain('--out: expected a value');
    expect(lines[lines.length - 1]).toBe('usage: npx nx run evaluator:score --predictions=<file.csv> --out=<dir> [options]   (every option: npx nx run evaluator:score -- --help)');
  });

  it('refuses config keys, naming the flags to use: it reads no config', async () => {
    await expect(runScoreCommand(['--data.root=/x', '--predictions=p.csv', '--out=o'], () => undefined)).rejects.toThrow(
      '--data.root: evaluator:score takes no config keys; it scores the file given by --predictions=<file.csv> into --out=<dir>',
    );
  });

  describeWithReferenceFixture('on the reference fixture', () => {
    it('writes metrics.json and the action report, and no actor report, loudly', async () => {
      const out = path.join(tempDir(), 'scored');
      const output = capture();
      const outcome = await runScoreCommand([`--predictions=${REFERENCE}`, `--out=${out}`], output.print);
      const summary = output.text();

      expect(summary).toContain(`${REFERENCE}: 746 clips`);
      expect(summary).toContain('action   accuracy 72.1180 %  F1 weighted 0.7236  macro 0.7218');
      expect(summary).toContain('actor    accuracy 85.1206 %  F1 weighted unavailable  macro unavailable');
      expect(summary).toContain('combined accuracy 65.2815 %');
      expect(summary).toMatch(/WARNING: actor_correct contradicts the true_actor\/pred_actor columns on 111 of 746 rows/);
      expect(summary).toContain(`not written: ${path.join(out, 'actor_classification_report.csv')}: pred_actor contradicts actor_correct`);

      const metrics = await readMetricsJson(path.join(out, 'metrics.json'));
      expect(metrics).toEqual(outcome.metrics);
      expect(metrics.evaluation).toMatchObject({ source: 'predictions-csv', predictions: REFERENCE, command: 'evaluator:score' });
      expect(metrics.actor_report).toBeNull();
      expect(readFileSync(path.join(out, 'action_classification_report.csv'), 'utf8')).toBe(
        readFileSync(referenceFixture('action_classification_report.csv'), 'utf8'),
      );
      expect(existsSync(path.join(out, 'actor_classification_report.csv'))).toBe(false);
    });

    it('runs as a script (tsx), exiting 0 with the summary', () => {
      const out = path.join(tempDir(), 'cli');
      const tsx = path.join(WORKSPACE, 'node_modules/.bin/tsx');
      const run = spawnSync(tsx, ['apps/evaluator/src/score.ts', `--predictions=${REFERENCE}`, `--out=${out}`], { cwd: WORKSPACE, encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('combined accuracy 65.2815 %');
      expect(existsSync(path.join(out, 'metrics.json'))).toBe(true);
    });
  });
});
