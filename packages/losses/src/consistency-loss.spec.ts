import { ACTIONS, ACTORS, NUM_ACTIONS, NUM_ACTORS } from '@a2d/core';
import { tf } from '@a2d/engine';
import { consistencyLoss } from './consistency-loss';
import { LossInputError } from './loss-input-error';

const action = (name: (typeof ACTIONS)[number]) => ACTIONS.indexOf(name);
const actor = (name: (typeof ACTORS)[number]) => ACTORS.indexOf(name);
/** A probability row with the given mass on the given classes. */
function row(classes: number, mass: Record<number, number>): number[] {
  return Array.from({ length: classes }, (_, c) => mass[c] ?? 0);
}
const value = (scalar: tf.Scalar) => scalar.dataSync()[0];

describe('consistencyLoss', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is 0 when all joint mass is on valid pairs', () => {
    // climbing: adult and baby can climb; flying: bird and car can fly.
    const actionProbs = tf.tensor2d([
      row(NUM_ACTIONS, { [action('climbing')]: 1 }),
      row(NUM_ACTIONS, { [action('flying')]: 0.6, [action('climbing')]: 0.4 }),
    ]);
    const actorProbs = tf.tensor2d([
      row(NUM_ACTORS, { [actor('adult')]: 0.7, [actor('baby')]: 0.3 }),
      row(NUM_ACTORS, { [actor('bird')]: 1 }),
    ]);
    const conditionedAction = tf.tensor1d([action('climbing'), action('flying')], 'int32');
    expect(value(consistencyLoss({ actionProbs, actorProbs, conditionedAction }))).toBe(0);
    // Rows of actions without mass may say anything; the climbing rows name climbers (adult, cat).
    const climbers = [row(NUM_ACTORS, { [actor('adult')]: 1 }), row(NUM_ACTORS, { [actor('adult')]: 0.5, [actor('cat')]: 0.5 })];
    const flyers = row(NUM_ACTORS, { [actor('bird')]: 1 });
    const table = tf.tensor3d(
      climbers.map((climberRow) => ACTIONS.slice(0, NUM_ACTIONS).map((name) => (name === 'flying' ? flyers : climberRow))),
    );
    expect(value(consistencyLoss({ actionProbs, actorTable: table }))).toBe(0);
  });

  it('matches the joint invalid mass worked by hand on the full table', () => {
    // Clip 0: p(climbing) = p(flying) = 0.5; p(ball | climbing) = 0.8 is invalid, p(adult | flying) = 0.3 is invalid.
    // Joint invalid mass = 0.5 * 0.8 + 0.5 * 0.3 = 0.55. Clip 1: all on rolling, which every actor does: 0.
    const uniform = row(NUM_ACTORS, Object.fromEntries(ACTORS.map((_, c) => [c, 1 / NUM_ACTORS])));
    const tableRows = (clip: number) =>
      ACTIONS.slice(0, NUM_ACTIONS).map((name) => {
        if (clip === 0 && name === 'climbing') return row(NUM_ACTORS, { [actor('adult')]: 0.2, [actor('ball')]: 0.8 });
        if (clip === 0 && name === 'flying') return row(NUM_ACTORS, { [actor('adult')]: 0.3, [actor('bird')]: 0.7 });
        return uniform;
      });
    const actionProbs = tf.tensor2d([
      row(NUM_ACTIONS, { [action('climbing')]: 0.5, [action('flying')]: 0.5 }),
      row(NUM_ACTIONS, { [action('rolling')]: 1 }),
    ]);
    const loss = consistencyLoss({ actionProbs, actorTable: tf.tensor3d([tableRows(0), tableRows(1)]) });
    expect(value(loss)).toBeCloseTo(0.55 / 2, 6);
  });

  it('conditioned on a*, is p(a*) times the invalid mass of row a*, and grows with that mass', () => {
    const pFlying = 0.8;
    const actionProbs = tf.tensor2d([row(NUM_ACTIONS, { [action('flying')]: pFlying, [action('walking')]: 1 - pFlying })]);
    const conditionedAction = tf.tensor1d([action('flying')], 'int32');
    const results = [0, 0.25, 0.5, 1].map((invalid) => {
      // dog cannot fly; bird can.
      const actorProbs = tf.tensor2d([row(NUM_ACTORS, { [actor('dog')]: invalid, [actor('bird')]: 1 - invalid })]);
      return value(consistencyLoss({ actionProbs, actorProbs, conditionedAction }));
    });
    results.forEach((result, i) => expect(result).toBeCloseTo(pFlying * [0, 0.25, 0.5, 1][i], 6));
    for (let i = 1; i < results.length; i++) expect(results[i]).toBeGreaterThan(results[i - 1]);
  });

  it('conditioned form equals the table form when step 1 is certain of the conditioned action', () => {
    const actorProbs = [
      [0.1, 0.2, 0.3, 0.1, 0.1, 0.1, 0.1],
      [0.05, 0.05, 0.4, 0.1, 0.2, 0.1, 0.1],
    ];
    const chosen = [action('eating'), action('running')];
    const actionProbs = tf.tensor2d(chosen.map((a) => row(NUM_ACTIONS, { [a]: 1 })));
    const noise = (clip: number, a: number) => row(NUM_ACTORS, { [(clip + a) % NUM_ACTORS]: 1 });
    const table = tf.tensor3d(
      chosen.map((a, clip) => ACTIONS.slice(0, NUM_ACTIONS).map((_, b) => (b === a ? actorProbs[clip] : noise(clip, b)))),
    );
    const conditioned = consistencyLoss({
      actionProbs,
      actorProbs: tf.tensor2d(actorProbs),
      conditionedAction: tf.tensor1d(chosen, 'int32'),
    });
    expect(value(conditioned)).toBeCloseTo(value(consistencyLoss({ actionProbs, actorTable: table })), 6);
    expect(value(conditioned)).toBeGreaterThan(0);
  });

  it('teaches step 2 only: a finite actor gradient that lowers the invalid mass, none for step 1', () => {
    const actionLogits = tf.tensor2d([[0.3, -0.2, 0.5, 1, 0, -1, 0.2, 0.1]]);
    const actorLogits = tf.tensor2d([[0.5, 0, 0.2, 0.1, -0.3, 0.4, 1]]);
    const conditionedAction = tf.tensor1d([action('flying')], 'int32');
    const [dAction, dActor] = tf.grads((a: tf.Tensor, c: tf.Tensor) =>
      consistencyLoss({ actionProbs: tf.softmax(a) as tf.Tensor2D, actorProbs: tf.softmax(c) as tf.Tensor2D, conditionedAction }),
    )([actionLogits, actorLogits]);
    const actionGradient = Array.from(dAction.dataSync());
    const actorGradient = Array.from(dActor.dataSync());
    expect(actorGradient.every(Number.isFinite)).toBe(true);
    // Descent moves actor mass from dog (cannot fly) to bird (can) ...
    expect(actorGradient[actor('dog')]).toBeGreaterThan(0);
    expect(actorGradient[actor('bird')]).toBeLessThan(0);
    // ... and leaves step 1 alone.
    expect(actionGradient).toEqual(new Array(NUM_ACTIONS).fill(0));
  });

  it('never pushes the true action fed to step 2 down, in either form', () => {
    // The clip is truly flying and step 2 was fed flying (teacher forcing) but sits on dog, which cannot fly.
    const actionLogits = tf.tensor2d([[0.3, -0.2, 0.5, 1, 0, -1, 0.2, 0.1]]);
    const dogMostly = tf.tensor2d([[0, 0, 0, 0, 0, 0, 3]]);
    const conditionedAction = tf.tensor1d([action('flying')], 'int32');
    const conditionedGradient = tf.grad((a: tf.Tensor) =>
      consistencyLoss({ actionProbs: tf.softmax(a) as tf.Tensor2D, actorProbs: tf.softmax(dogMostly) as tf.Tensor2D, conditionedAction }),
    )(actionLogits);
    const dogEverywhere = tf.tile(tf.reshape(tf.softmax(dogMostly), [1, 1, NUM_ACTORS]), [1, NUM_ACTIONS, 1]) as tf.Tensor3D;
    const tableGradient = tf.grad((a: tf.Tensor) =>
      consistencyLoss({ actionProbs: tf.softmax(a) as tf.Tensor2D, actorTable: dogEverywhere }),
    )(actionLogits);
    for (const gradient of [conditionedGradient, tableGradient]) {
      expect(Math.abs(gradient.dataSync()[action('flying')])).toBe(0);
    }
    const actionProbs = tf.softmax(actionLogits) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const loss = consistencyLoss({ actionProbs, actorTable: dogEverywhere });
    expect(value(loss)).toBeGreaterThan(0);
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects tensors of the wrong shape, naming them, and leaves no tensor behind', () => {
    const actionProbs = tf.ones([2, NUM_ACTIONS]) as tf.Tensor2D;
    const actorProbs = tf.ones([2, NUM_ACTORS]) as tf.Tensor2D;
    const conditionedAction = tf.tensor1d([0, 3], 'int32');
    const narrowActors = tf.ones([2, 6]) as tf.Tensor2D;
    expect(() => consistencyLoss({ actionProbs, actorProbs: narrowActors, conditionedAction })).toThrow(
      /actorProbs: expected shape \[2, 7\], got \[2, 6\]/,
    );
    const oneAction = tf.tensor1d([0], 'int32');
    expect(() => consistencyLoss({ actionProbs, actorProbs, conditionedAction: oneAction })).toThrow(LossInputError);
    const transposed = tf.ones([2, 7, 8]) as tf.Tensor3D;
    expect(() => consistencyLoss({ actionProbs, actorTable: transposed })).toThrow(/actorTable/);
    const nineActions = tf.ones([2, 9]) as tf.Tensor2D;
    expect(() => consistencyLoss({ actionProbs: nineActions, actorProbs, conditionedAction })).toThrow(/actionProbs/);
    const table = tf.ones([2, NUM_ACTIONS, NUM_ACTORS]) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    consistencyLoss({ actionProbs, actorProbs, conditionedAction }).dispose();
    consistencyLoss({ actionProbs, actorTable: table }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
