import { findFlagContradictions } from './flag-contradictions';
import { predictionRow, type PredictionRow } from './predictions-csv';
import { samplesFromRows, scorePredictions } from './score-predictions';

const FILE = 'p.csv';
const rows: PredictionRow[] = [
  predictionRow({ videoId: 'a', trueAction: 'climbing', predAction: 'climbing', trueActor: 'adult', predActor: 'adult' }),
  predictionRow({ videoId: 'b', trueAction: 'crawling', predAction: 'climbing', trueActor: 'baby', predActor: 'baby' }),
  predictionRow({ videoId: 'c', trueAction: 'flying', predAction: 'flying', trueActor: 'bird', predActor: 'baby' }),
].map((row, i) => ({ ...row, line: i + 2 }));

describe('scorePredictions', () => {
  it('uses the label columns when the flags agree with them', () => {
    const { metrics, contradictions } = scorePredictions(rows, FILE);
    expect(contradictions.action.lines).toEqual([]);
    expect(contradictions.actor.lines).toEqual([]);
    expect(metrics).toMatchObject({ num_clips: 3, evaluation: { source: 'predictions-csv', predictions: FILE } });
    expect(metrics.action_acc).toBeCloseTo(200 / 3, 12);
    expect(metrics.combined_acc).toBeCloseTo(100 / 3, 12);
    expect(metrics.actor_report).not.toBeNull();
    expect(metrics.pair_confusion).not.toBeNull();
    expect(metrics.invalid_pair_predictions).toBe(1); // bird-flying predicted as baby-flying, not an A2D pair
    expect(metrics.constrained_combined_acc).toBeNull();
    expect(metrics.unavailable.constrained_combined_acc).toBe('the predictions CSV has no constrained-decoding columns');
    expect(metrics.unavailable.action_top_k).toBe('the predictions CSV has no action probabilities');
    expect(metrics.warnings.some((line) => line.includes('contradicts'))).toBe(false);
  });

  it('trusts the flags of a head whose columns contradict them, and says where', () => {
    const broken = rows.map((row) => ({ ...row, predAction: row.trueAction }));
    const { metrics, contradictions } = scorePredictions(broken, FILE);
    expect(contradictions.action).toEqual({ lines: [3], predictedCopiesTrue: true });
    expect(metrics.action_acc).toBeCloseTo(200 / 3, 12);
    expect(metrics.action_report).toBeNull();
    expect(metrics.actor_report).not.toBeNull();
    expect(metrics.warnings[0]).toBe(
      'action_correct contradicts the true_action/pred_action columns on 1 of 3 rows (p.csv:3). pred_action equals true_action on every row: ' +
        'the column looks like a copy of true_action. The pred_action column is not trusted: action accuracy, combined accuracy and per-pair ' +
        'accuracy use the action_correct flags; the action precision, F1, classification report and confusion matrices are not computed ' +
        '(the predicted actions are unknown).',
    );
  });

  it('maps rows to samples, dropping the labels of a contradicted head', () => {
    const broken = [{ ...rows[2], predActor: 'bird' as const }];
    expect(samplesFromRows(broken)).toEqual([{ trueAction: 3, predAction: 3, trueActor: 3, predActor: null, actionCorrect: true, actorCorrect: false }]);
    expect(findFlagContradictions(broken).actor.lines).toEqual([4]);
    expect(findFlagContradictions([{ ...broken[0], line: undefined }]).actor.lines).toEqual([2]);
  });
});
