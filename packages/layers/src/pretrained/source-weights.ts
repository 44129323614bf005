import type { InputNormalization } from '@a2d/core';

/**
 * Weights read from another framework's file, already renamed and laid out as our layers hold them
 * (`conv1_conv/kernel` as [kh, kw, in, out]), plus what the file says about the input preprocessing.
 */

/** One weight of the source, in our naming and layout. */
export interface SourceWeight {
  /** `<layer>/<weight>` in our backbone (unprefixed), or `<layer>/#<i>` for the layer's i-th weight (Keras 3 files). */
  name: string;
  /** The name in the source file, for the report. */
  sourceName: string;
  shape: number[];
  values: Float32Array;
}


/** Everything read from one source file. */
export interface SourceWeights {
  /** What kind of file it was, e.g. 'torchvision state_dict (safetensors)'. */
  format: string;
  weights: SourceWeight[];
  /** Source entries that have no counterpart by design (BatchNorm step counters, the input normalization's weights), with why. */
  ignored: { sourceName: string; reason: string }[];
  /** Source entries this importer could not map to a backbone weight (a classifier head, another architecture's layers). */
  unmapped: string[];
  /** The input preprocessing the source network expects, and where that came from. */
  inputNormalization: InputNormalization;
  normalizationSource: string;
}
