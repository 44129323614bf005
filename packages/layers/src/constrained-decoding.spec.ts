import { ACTIONS, ACTORS, isValidPair, validityMask } from '@a2d/core';
import { decodeConstrained } from './constrained-decoding';

const action = (name: string) => ACTIONS.indexOf(name as (typeof ACTIONS)[number]);
const actor = (name: string) => ACTORS.indexOf(name as (typeof ACTORS)[number]);
const actorRow = (probabilities: Record<string, number>) => ACTORS.map((name) => probabilities[name] ?? 0);

describe('decodeConstrained', () => {
  it('trades a more probable but invalid pair for the best valid one', () => {
    expect(isValidPair(actor('adult'), action('flying'))).toBe(false);
    const candidates = [
      { action: action('flying'), actionProbability: 0.5, actorProbabilities: actorRow({ adult: 0.9, bird: 0.06, car: 0.04 }) },
      { action: action('walking'), actionProbability: 0.4, actorProbabilities: actorRow({ adult: 0.95, dog: 0.05 }) },
    ];
    // plain decoding would say adult-flying (0.45); the valid pairs score bird-flying 0.03, car-flying 0.02, adult-walking 0.38
    const decoded = decodeConstrained(candidates);
    expect(decoded).toEqual({ action: action('walking'), actor: actor('adult'), score: expect.closeTo(0.38, 10) });
  });

  it('keeps the top action when its best actor is valid, and honours a custom mask', () => {
    const candidates = [
      { action: action('flying'), actionProbability: 0.6, actorProbabilities: actorRow({ bird: 0.7, adult: 0.3 }) },
      { action: action('walking'), actionProbability: 0.3, actorProbabilities: actorRow({ adult: 1 }) },
    ];
    expect(decodeConstrained(candidates)).toMatchObject({ action: action('flying'), actor: actor('bird') });
    const onlyAdultWalking = validityMask().map((row, a) => row.map((_, b) => (a === action('walking') && b === actor('adult') ? 1 : 0)));
    expect(decodeConstrained(candidates, onlyAdultWalking)).toMatchObject({ action: action('walking'), actor: actor('adult') });
    expect(() => decodeConstrained(candidates, onlyAdultWalking.map((row) => row.map(() => 0)))).toThrow(/no valid/);
  });
});
