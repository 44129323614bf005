import {
  ACTIONS,
  ACTORS,
  VALID_LABELS,
  VIDEO_LEVEL_LABELS,
  decodeLabel,
  encodeLabel,
  isValidPair,
  labelName,
  validityMask,
  actionIndexOf,
  actorIndexOf,
  LabelError,
} from './index';

describe('taxonomy', () => {
  it('has 7 actors, 9 actions, 43 valid codes and 36 video-level codes', () => {
    expect(ACTORS).toHaveLength(7);
    expect(ACTIONS).toHaveLength(9);
    expect(VALID_LABELS).toHaveLength(43);
    expect(VIDEO_LEVEL_LABELS).toHaveLength(36);
    expect(VIDEO_LEVEL_LABELS.every((c) => c % 10 !== 9)).toBe(true);
  });

  it('decodes and encodes codes both ways', () => {
    expect(decodeLabel(11)).toEqual({ code: 11, actorId: 1, actionId: 1, actor: 'adult', action: 'climbing' });
    expect(decodeLabel(79)).toMatchObject({ actor: 'dog', action: 'none' });
    for (const code of VALID_LABELS) {
      const { actor, action } = decodeLabel(code);
      expect(encodeLabel(actor, action)).toBe(code);
    }
    expect(labelName(45)).toBe('bird-jumping');
  });

  it('rejects codes outside the taxonomy with a typed error', () => {
    for (const bad of [0, 10, 14, 23, 31, 80, 11.5, -11, 100]) {
      expect(() => decodeLabel(bad)).toThrow(LabelError);
    }
    expect(() => encodeLabel('ball', 'eating')).toThrow(/not a valid A2D actor-action pair/);
    expect(() => actorIndexOf(8)).toThrow(LabelError);
    expect(() => actionIndexOf(9)).toThrow(/none/);
  });

  it('builds an action x actor mask that matches the 36 video-level codes', () => {
    const mask = validityMask();
    expect(mask).toHaveLength(8);
    expect(mask.every((row) => row.length === 7)).toBe(true);
    const ones: number[] = [];
    mask.forEach((row, action) => row.forEach((v, actor) => v && ones.push(10 * (actor + 1) + action + 1)));
    expect(ones.sort((a, b) => a - b)).toEqual([...VIDEO_LEVEL_LABELS]);
    expect(isValidPair(2, 2)).toBe(false); // ball-eating
    expect(isValidPair(0, 0)).toBe(true); // adult-climbing
  });
});
