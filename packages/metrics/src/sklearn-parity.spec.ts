/**
 * Checks against scikit-learn / NumPy / CPython on seeded random data, run through `sklearn-reference.py`.
 * Skipped, saying why, when no python3 on this machine imports sklearn (Debian: apt-get install python3-sklearn).
 * scikit-learn >= 1.5 is compared exactly everywhere; older versions compute F1 from precision and recall (a few
 * ulps apart) and label the accuracy row `micro avg` when a listed class never occurs, so their F1 is compared to
 * 1e-14.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Rng } from '@a2d/core';
import { averageScores, f1Score, precisionRecallFscoreSupport } from './precision-recall-fscore';
import { classificationReport } from './classification-report';
import { confusionMatrix, trueCounts, truePositives } from './confusion-matrix';
import { formatPythonFloat } from './python-float';
import { meanClassAccuracy } from './mean-class-accuracy';
import { pairwiseSum } from './numpy-sum';
import { topKAccuracy } from './top-k-accuracy';

const SCRIPT = path.join(__dirname, 'sklearn-reference.py');

function findPythonWithSklearn(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' });
    if (probe.status === 0) return python;
  }
  return undefined;
}

interface Case {
  num_classes: number;
  y_true: number[];
  y_pred: number[];
  scores: number[][];
}

interface Reference {
  sklearn: string;
  cases: {
    confusion: number[][];
    precision: number[];
    recall: number[];
    f1: number[];
    support: number[];
    averaged: Record<'macro' | 'weighted' | 'micro', [number, number, number]>;
    f1_macro: number;
    f1_weighted: number;
    report_accuracy: number;
    balanced_accuracy: number;
    top_k: Record<string, number>;
  }[];
  reprs: string[];
  sums: number[];
}

function randomCases(rng: Rng, count: number): Case[] {
  return Array.from({ length: count }, () => {
    const numClasses = rng.int(2, 8);
    const n = rng.int(1, 80);
    // Subsets of classes, so that some have no clips and some are never predicted.
    const subset = (): number[] => {
      const chosen = Array.from({ length: numClasses }, (_, c) => c).filter(() => rng.bool(0.75));
      return chosen.length > 0 ? chosen : [rng.int(0, numClasses - 1)];
    };
    const trueClasses = subset();
    const predClasses = subset();
    const pick = (classes: number[]): number => classes[rng.int(0, classes.length - 1)];
    const yTrue = Array.from({ length: n }, () => pick(trueClasses));
    const yPred = yTrue.map((t) => (rng.bool(0.5) && predClasses.includes(t) ? t : pick(predClasses)));
    // One decimal, so that ties happen.
    const scores = yTrue.map(() => Array.from({ length: numClasses }, () => Math.round(rng.next() * 10) / 10));
    return { num_classes: numClasses, y_true: yTrue, y_pred: yPred, scores };
  });
}

const python = findPythonWithSklearn();
const runOrSkip = python ? it : it.skip;
const skipNote = python ? '' : ' (skipped: neither python3 nor /usr/bin/python3 imports sklearn; apt-get install python3-sklearn)';
if (!python) console.warn(`sklearn-parity.spec.ts${skipNote}`);

describe(`parity with scikit-learn / NumPy / CPython${skipNote}`, () => {
  const rng = new Rng('sklearn-parity');
  const cases = randomCases(rng, 120);
  const floats = [
    ...Array.from({ length: 500 }, () => rng.next() * 10 ** rng.int(-9, 22) * (rng.bool() ? 1 : -1)),
    ...Array.from({ length: 200 }, () => rng.int(0, 2000) / rng.int(1, 2000)),
    ...Array.from({ length: 50 }, () => rng.int(0, 10 ** 6)),
  ];
  const sums = Array.from({ length: 100 }, () => Array.from({ length: rng.int(1, 400) }, () => rng.next() * 10 ** rng.int(-3, 16)));
  let reference: Reference;

  beforeAll(() => {
    if (!python) return;
    const run = spawnSync(python, [SCRIPT], { input: JSON.stringify({ cases, floats, sums }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`${SCRIPT} failed:\n${run.stderr}`);
    reference = JSON.parse(run.stdout) as Reference;
  });

  runOrSkip('matches confusion_matrix, precision_recall_fscore_support, f1_score, classification_report and balanced_accuracy_score', () => {
    const [major, minor] = reference.sklearn.split('.').map(Number);
    const exactF1 = major > 1 || minor >= 5;
    const expectF1 = (actual: number, expected: number): void => {
      if (exactF1) expect(actual).toBe(expected);
      else expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-14);
    };
    cases.forEach((input, i) => {
      const expected = reference.cases[i];
      const matrix = confusionMatrix(input.y_true, input.y_pred, input.num_classes);
      const context = `case ${i} (sklearn ${reference.sklearn})`;
      expect([context, matrix]).toEqual([context, expected.confusion]);
      const scores = precisionRecallFscoreSupport(matrix);
      expect([context, scores.precision, scores.recall, scores.support]).toEqual([context, expected.precision, expected.recall, expected.support]);
      scores.f1.forEach((f1, c) => expectF1(f1, expected.f1[c]));
      for (const average of ['macro', 'weighted', 'micro'] as const) {
        const ours = averageScores(matrix, average);
        expect([context, average, ours.precision, ours.recall]).toEqual([context, average, expected.averaged[average][0], expected.averaged[average][1]]);
        expectF1(ours.f1, expected.averaged[average][2]);
      }
      expectF1(f1Score(matrix, 'macro'), expected.f1_macro);
      expectF1(f1Score(matrix, 'weighted'), expected.f1_weighted);
      const labels = Array.from({ length: input.num_classes }, (_, c) => `c${c}`);
      expect([context, classificationReport(matrix, labels).accuracy]).toEqual([context, expected.report_accuracy]);
      expect([context, meanClassAccuracy(trueCounts(matrix), truePositives(matrix))]).toEqual([context, expected.balanced_accuracy]);
    });
  });

  runOrSkip("matches top_k_accuracy_score, ties included", () => {
    cases.forEach((input, i) => {
      for (const [k, accuracy] of Object.entries(reference.cases[i].top_k)) {
        expect([i, k, topKAccuracy(input.scores, input.y_true, Number(k))]).toEqual([i, k, accuracy]);
      }
    });
  });

  runOrSkip("formats floats as Python's repr and sums as np.sum", () => {
    expect(floats.map(formatPythonFloat)).toEqual(reference.reprs);
    expect(sums.map(pairwiseSum)).toEqual(reference.sums);
  });
});
