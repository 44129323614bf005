import type { ValidationResult } from '../epoch-record';
import type { ValidationEvent } from '../loop/training-callback';
import { EmaValidation } from './ema-validation';
import { contextOf } from '../testing/training-context';

describe('EmaValidation', () => {
  it('validates the EMA weights wherever the live ones are validated', async () => {
    const asked: boolean[] = [];
    const result: ValidationResult = { loss: { total: 1, action: 1, actor: 0, consistency: 0 }, acc: { action: 1, actor: 2, combined: 3, combinedConstrained: 4 }, clips: 5 };
    const event = (validated: boolean): ValidationEvent => ({
      epoch: 0,
      validated,
      isLast: false,
      val: null,
      valEma: null,
      improved: false,
      epochsWithoutImprovement: 1,
      evaluate: async (ema) => {
        asked.push(ema);
        return result;
      },
    });
    const validated = event(true);
    await new EmaValidation().onValidationEnd(contextOf(), validated);
    expect(validated.valEma).toBe(result);
    const skipped = event(false);
    await new EmaValidation().onValidationEnd(contextOf(), skipped);
    expect(skipped.valEma).toBeNull();
    expect(asked).toEqual([true]);
  });
});
