/**
 * Loading a trained classifier for inference: either model kind the trainer saves (the two-step model or the
 * one-step 36-way baseline), told apart by its `model.json`, so callers need not know which one a run trained.
 */
import { readFile } from 'node:fs/promises';
import { OneStepModel, resolveModelLocation, TwoStepModel } from '@a2d/layers';

/** Either trained model. */
export type Classifier = TwoStepModel | OneStepModel;

/** Loads a classifier saved by either model's `save` (a folder or its model.json), whichever kind it is. */
export async function loadClassifier(location: string): Promise<Classifier> {
  // Only model.json is read to tell the kinds apart; the chosen `load` validates everything.
  const { modelJsonPath } = resolveModelLocation(location);
  let format: unknown;
  try {
    format = (JSON.parse(await readFile(modelJsonPath, 'utf8')) as { userDefinedMetadata?: { format?: unknown } }).userDefinedMetadata?.format;
  } catch {
    format = undefined; // unreadable or not JSON: the two-step loader reports it with the file's name
  }
  return format === 'a2d-one-step-model' ? OneStepModel.load(location) : TwoStepModel.load(location);
}
