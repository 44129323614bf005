import { lossConfigSchema, validityMask } from '@a2d/core';
import { decodeVideo, videoAccuracies, videoLosses, type VideoPrediction } from './evaluation';

const mask = validityMask();
const uniform = (n: number) => new Array<number>(n).fill(1 / n);
/** An invalid and a valid actor for `action` (A2D: e.g. cars do not eat). */
const invalidActorOf = (action: number) => mask[action].findIndex((valid) => valid === 0);
const validActorOf = (action: number) => mask[action].findIndex((valid) => valid === 1);

function video(actionProbs: number[], table: number[][], trueAction: number, trueActor: number): VideoPrediction {
  return { videoId: 'v', trueAction, trueActor, views: 1, actionProbs, actorTable: table, ...decodeVideo(actionProbs, table, { topK: 3, kind: 'two-step' }) };
}

describe('decodeVideo', () => {
  it('plain decoding keeps an invalid pair; constrained decoding picks the best valid pair among the top-k actions', () => {
    const action = mask.findIndex((row) => row.includes(0));
    const bad = invalidActorOf(action);
    const good = validActorOf(action);
    const actionProbs = uniform(8).map((_, a) => (a === action ? 0.6 : 0.4 / 7));
    const table = Array.from({ length: 8 }, () => uniform(7));
    table[action] = table[action].map((_, b) => (b === bad ? 0.7 : b === good ? 0.2 : 0.1 / 5));
    const decoded = decodeVideo(actionProbs, table, { topK: 3, kind: 'two-step' });
    expect(decoded.plain).toEqual({ action, actor: bad });
    expect(decoded.constrained).toEqual({ action, actor: good });
  });

  it('one-step models decode plain = constrained over every action', () => {
    const table = Array.from({ length: 8 }, () => uniform(7));
    const decoded = decodeVideo(uniform(8), table, { topK: 1, kind: 'one-step' });
    expect(decoded.plain).toEqual(decoded.constrained);
  });
});

describe('videoAccuracies and videoLosses', () => {
  it('count a clip as combined-correct only when both are right, and compute the loss terms as training does', () => {
    const table = Array.from({ length: 8 }, (_, a) => mask[a].map((valid) => (valid ? 1 : 0)).map((v, _, row) => v / row.reduce<number>((s, x) => s + x, 0)));
    const actionProbs = uniform(8).map((_, a) => (a === 0 ? 0.9 : 0.1 / 7));
    const right = video(actionProbs, table, 0, table[0].indexOf(Math.max(...table[0])));
    // A true pair is always one of the 36 (TwoStepMetrics refuses others): another valid actor of the action.
    const wrongActor = video(actionProbs, table, 0, mask[0].findIndex((valid, b) => valid === 1 && b !== right.trueActor));
    const acc = videoAccuracies([right, wrongActor]);
    expect(acc).toEqual({ action: 100, actor: 50, combined: 50, combinedConstrained: 50 });
    expect(videoAccuracies([])).toEqual({ action: null, actor: null, combined: null, combinedConstrained: null });

    const loss = lossConfigSchema.parse({ labelSmoothing: 0, weights: { action: 1, actor: 2, consistency: 0.5 } });
    const terms = videoLosses([right], loss, 'two-step');
    expect(terms.action).toBeCloseTo(-Math.log(0.9), 10);
    expect(terms.actor).toBeCloseTo(-Math.log(table[0][right.trueActor]), 10);
    expect(terms.consistency).toBeCloseTo(0, 10); // no mass on invalid actors in this table
    expect(terms.total).toBeCloseTo((terms.action ?? 0) + 2 * (terms.actor ?? 0), 10);
    const oneStep = videoLosses([right], loss, 'one-step');
    expect([oneStep.action, oneStep.actor, oneStep.consistency]).toEqual([null, null, null]);
    expect(oneStep.total).toBeGreaterThan(0);
  });
});
