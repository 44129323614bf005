/** @a2d/synth: a synthetic A2D dataset (videoset.csv + clips320H/*.mp4) whose actors look and move differently. */

// What to generate: the size and difficulty presets, and the validated options of `synth:generate`.
export { DATASET_SIZE_NAMES } from './dataset-size';
export type { DatasetSize } from './dataset-size';
export { DIFFICULTY_NAMES, DIFFICULTY_REVISIONS, difficultySchema } from './difficulty';
export type { Difficulty } from './difficulty';
export { generateOptionsSchema, parseGenerateOptions } from './generate-options';
export type { GenerateOptions } from './generate-options';

// Generating a dataset folder (clips first, videoset.csv last); an aborted run throws `GenerationAbortedError`.
export { generateDataset } from './generate-dataset';
export type { GenerateHooks, GenerateProgress, GenerateSummary } from './generate-dataset';
export { GenerationAbortedError } from './clip-writer';

// synth.json: what a generated folder holds, so generation and training refuse to mix datasets.
export { describeSynth, readSynthManifest, sameSynth, synthManifestSchema } from './synth-manifest';
export type { SynthIdentity, SynthManifest } from './synth-manifest';
