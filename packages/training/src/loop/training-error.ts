/** A failure of the run itself (not of one input): non-finite training, refused resume, no usable data. */
import { A2dError } from '@a2d/core';

/** A failure of the run itself (not of one input): non-finite training, refused resume, no usable data. */
export class TrainingError extends A2dError {}
