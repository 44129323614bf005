/**
 * Mean class accuracy: the mean over classes that have clips of each class's accuracy (= its recall). This is
 * scikit-learn's `balanced_accuracy_score`; MMAction2's `mean_class_accuracy` differs only in also averaging in,
 * as 0, classes that were predicted but have no clips.
 */
import { numpyMean } from './numpy-sum';

/** Mean (0..1) of `correct[c] / support[c]` over classes with `support[c] > 0`; 0 when no class has clips. */
export function meanClassAccuracy(support: readonly number[], correct: readonly number[]): number {
  if (support.length !== correct.length) throw new RangeError(`${support.length} supports but ${correct.length} correct counts`);
  const perClass = support.flatMap((count, c) => (count > 0 ? [correct[c] / count] : []));
  return perClass.length === 0 ? 0 : numpyMean(perClass);
}
