import { checkResumableWeights, TrainingError } from './train-run';

const state = (sizes: number[]) => ({
  replicas: [{ tensors: Object.fromEntries(sizes.map((size, i) => [`weights/${i}`, { values: new Float32Array(size) }])) }],
});

describe('checkResumableWeights', () => {
  const shapes = [[4, 3], [3], [2, 2, 2]];

  it('accepts a training state whose weights fit the model', () => {
    expect(() => checkResumableWeights(shapes, state([12, 3, 8]), 'experiments/x')).not.toThrow();
  });

  it('refuses one with another number of weights, or a weight of another size (an earlier model format), with the fix', () => {
    expect(() => checkResumableWeights(shapes, state([12, 3]), 'experiments/x (checkpoint last)')).toThrow(TrainingError);
    expect(() => checkResumableWeights(shapes, state([12, 3]), 'experiments/x (checkpoint last)')).toThrow(
      /cannot resume experiments\/x \(checkpoint last\): .*holds 2 weight arrays, this model has 3.*start a new run/,
    );
    // Version 1's query/key/value bias had a key third more than today's.
    expect(() => checkResumableWeights(shapes, state([12, 4, 8]), 'experiments/x')).toThrow(/weight 1 holds 4 values, this model needs 3/);
  });
});
