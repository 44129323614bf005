/**
 * Action-actor consistency: the joint probability mass the two heads put on (action, actor) pairs A2D does not
 * have, `sum_{a,c} p(a) p(c | a) (1 - mask[a][c])` with `mask = validityMask()`, averaged over the batch.
 *
 * Design. The step-2 head is conditioned on one action per forward pass, so usually only the row `p(c | a*)` of
 * the conditional table is known, `a*` being the action fed to step 2 (ground truth, prediction or a scheduled
 * mix). The conditioned form keeps the one term of the sum that is known, `p(a*) sum_c p(c | a*) (1 - mask[a*][c])`.
 * When a caller has run step 2 under every action, the table form takes the full `[B, 8, 7]` conditional table and
 * is the whole sum. Both lie in [0, 1]; 0 means all joint mass is on valid pairs.
 *
 * What it teaches: **step 2 only**. Given the action it was fed, step 2 moves mass to actors that can do it, in
 * proportion to how sure step 1 is of that action. `p(a)` is a constant to this term (no gradient reaches step 1):
 * with a gradient, a clip fed its true action while step 2 sat on an actor that cannot do it would lower the
 * *correct* action's logit, pushing step 1 against its labels to cover step 2's mistake (issue 10). Step 1 is taught
 * by its own cross-entropy; the pair's validity is step 2's job, and constrained decoding enforces it at test time.
 */
import { NUM_ACTIONS, NUM_ACTORS, validityMask } from '@a2d/core';
import { tf } from '@a2d/engine';
import { LossInputError } from './loss-input-error';
import { stopGradient } from './stop-gradient';

/** Step 2 run once per clip, under the action `conditionedAction`. */
export interface ConditionedActorProbabilities {
  /** `[B, 8]` step-1 probabilities p(action). */
  actionProbs: tf.Tensor2D;
  /** `[B, 7]` step-2 probabilities p(actor | conditionedAction). */
  actorProbs: tf.Tensor2D;
  /** `[B]` action class index (0..7) each clip's step 2 was conditioned on. */
  conditionedAction: tf.Tensor1D;
}

/** Step 2 run under every action. */
export interface ActorProbabilityTable {
  /** `[B, 8]` step-1 probabilities p(action). */
  actionProbs: tf.Tensor2D;
  /** `[B, 8, 7]` step-2 probabilities p(actor | action) for every action. */
  actorTable: tf.Tensor3D;
}

function invalidPairs(): tf.Tensor2D {
  return tf.tensor2d(validityMask().map((row) => row.map((valid) => 1 - valid)), [NUM_ACTIONS, NUM_ACTORS], 'float32');
}

function expectShape(tensor: tf.Tensor, expected: number[], argument: string): void {
  const same = tensor.rank === expected.length && tensor.shape.every((size, axis) => size === expected[axis]);
  if (!same) throw new LossInputError(argument, `expected shape [${expected.join(', ')}], got [${tensor.shape.join(', ')}]`);
}

/**
 * Batch mean of the joint mass on invalid (action, actor) pairs, from one conditioned step-2 row per clip or from
 * the full conditional table (see the file comment). Takes probabilities, not logits. Returns a new scalar.
 */
export function consistencyLoss(input: ConditionedActorProbabilities | ActorProbabilityTable): tf.Scalar {
  const { actionProbs: givenActionProbs } = input;
  if (givenActionProbs.rank !== 2) {
    throw new LossInputError('actionProbs', `expected shape [batch, ${NUM_ACTIONS}], got [${givenActionProbs.shape.join(', ')}]`);
  }
  const batch = givenActionProbs.shape[0];
  expectShape(givenActionProbs, [batch, NUM_ACTIONS], 'actionProbs');
  if ('actorTable' in input) {
    expectShape(input.actorTable, [batch, NUM_ACTIONS, NUM_ACTORS], 'actorTable');
    return tf.tidy(() => {
      const actionProbs = stopGradient(givenActionProbs);
      const joint = tf.mul(tf.expandDims(actionProbs, 2), input.actorTable);
      return tf.div(tf.sum(tf.mul(joint, invalidPairs())), batch) as tf.Scalar;
    });
  }
  expectShape(input.actorProbs, [batch, NUM_ACTORS], 'actorProbs');
  expectShape(input.conditionedAction, [batch], 'conditionedAction');
  return tf.tidy(() => {
    const actionProbs = stopGradient(givenActionProbs);
    const action = input.conditionedAction;
    const chosen = tf.cast(tf.oneHot(action.dtype === 'int32' ? action : tf.cast(action, 'int32'), NUM_ACTIONS), 'float32');
    const chosenProb = tf.sum(tf.mul(actionProbs, chosen), 1);
    const invalidActorMass = tf.sum(tf.mul(input.actorProbs, tf.matMul(chosen, invalidPairs())), 1);
    return tf.mean(tf.mul(chosenProb, invalidActorMass)) as tf.Scalar;
  });
}
