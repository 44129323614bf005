/**
 * Validation of the EMA weights (`train.ema`): the replicas keep the exponential moving average of the weights
 * (`WeightEma`, updated with every optimizer step) and the checkpoints save it as `ema-model/`; this callback
 * validates those weights wherever the live ones are validated, into the epoch record's `valEma`.
 */
import type { TrainingCallback, TrainingContext, ValidationEvent } from '../loop/training-callback';

/** Adds the EMA weights' validation to every validated epoch. */
export class EmaValidation implements TrainingCallback {
  async onValidationEnd(_context: TrainingContext, validation: ValidationEvent): Promise<void> {
    if (validation.validated) validation.valEma = await validation.evaluate(true);
  }
}
