/** Training configuration: optimizer, schedule, EMA, early stopping, checkpoints, parallelism, logging. */
import { z } from 'zod';

/** AdamW (Loshchilov & Hutter 2019): Adam with weight decay applied to the weights directly, not to the gradient. */
export const optimizerConfigSchema = z.strictObject({
  /** Only AdamW is implemented (tfjs has none; ours is in @a2d/training). */
  kind: z.literal('adamw').default('adamw'),
  /** Peak learning rate (reached at the end of warmup); 2e-3 trained the default model better than 1e-3 (docs/accuracy.md). */
  lr: z.number().positive().finite().default(2e-3),
  /** Decoupled weight decay; never applied to biases, norm parameters, embeddings' bias or 1-D weights. */
  weightDecay: z.number().min(0).finite().default(0.01),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
});

/** Cosine annealing with linear warmup and optional warm restarts (SGDR, Loshchilov & Hutter 2017). */
export const scheduleConfigSchema = z.strictObject({
  kind: z.enum(['cosine', 'constant']).default('cosine'),
  /** Epochs of linear warmup from `warmupStartFactor * lr` to `lr` (fractions allowed). */
  warmupEpochs: z.number().min(0).default(1),
  /** Learning rate at step 0 as a fraction of `lr`. */
  warmupStartFactor: z.number().min(0).max(1).default(0.1),
  /** Floor of the cosine, as a fraction of `lr`. */
  minLrFactor: z.number().min(0).max(1).default(0.01),
  /** Warm restarts: the cosine restarts every `cycleEpochs` (after warmup), each cycle `cycleMult` times longer. */
  restarts: z
    .strictObject({
      enabled: z.boolean().default(false),
      cycleEpochs: z.number().positive().default(10),
      cycleMult: z.number().min(1).default(1),
      /** Peak of each new cycle as a fraction of the previous one. */
      peakDecay: z.number().gt(0).max(1).default(1),
    })
    .prefault({}),
});

/** Exponential moving average of the weights (evaluated and checkpointed as its own model). */
export const emaConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Decay per optimizer step. */
  decay: z.number().gt(0).lt(1).default(0.999),
  /** Ramp the decay as min(decay, (1 + step) / (10 + step)) so early averages are not dominated by the init. */
  warmup: z.boolean().default(true),
});

/** The train section of the config tree. */
export const trainConfigSchema = z.strictObject({
  /**
   * 24 fit the default run (generation included) in about 12 minutes on 2 cores on the `native` backend, where 12
   * fit before it; over 3 seeds they scored 11.7 points more test combined than 12 (docs/accuracy.md).
   */
  epochs: z.number().int().positive().default(24),
  optimizer: optimizerConfigSchema.prefault({}),
  schedule: scheduleConfigSchema.prefault({}),
  ema: emaConfigSchema.prefault({}),
  /** Clip the global L2 norm of the gradient to this value; 0 disables. */
  clipGradNorm: z.number().min(0).default(1),
  /** Batches whose gradients are summed before one optimizer step (effective batch = batchSize x this). */
  accumulateSteps: z.number().int().positive().default(1),
  /**
   * float16 compute. tfjs has no float16 kernels on any Node backend (wasm, cpu, tfjs-node, tfjs-node-gpu), so
   * `true` is refused with the reason rather than silently ignored.
   */
  mixedPrecision: z.boolean().default(false),
  /** Stop when validation combined accuracy has not improved by `minDelta` points for `patience` epochs; 0 disables. */
  earlyStopping: z
    .strictObject({
      patience: z.number().int().min(0).default(0),
      minDelta: z.number().min(0).default(0),
    })
    .prefault({}),
  /** Checkpoints: `epoch-N` every `every` epochs, the last `keep` kept; `best` by val combined accuracy; `last` always. */
  checkpoint: z
    .strictObject({
      every: z.number().int().positive().default(1),
      keep: z.number().int().positive().default(2),
    })
    .prefault({}),
  /**
   * Where the model runs: `auto` trains on 2 worker threads (one wasm instance each) on wasm/cpu when 2 cores
   * exist, in-process on tfjs-node(-gpu); a number forces that many workers (1 = in-process).
   */
  workers: z.union([z.literal('auto'), z.number().int().positive()]).default('auto'),
  /** Evaluate on the validation split every this many epochs (and always at the last). */
  evalEvery: z.number().int().positive().default(1),
  /** Non-finite gradients skip the step; this many in a row stop the run. */
  maxNonFiniteSteps: z.number().int().positive().default(5),
  /** Seconds one worker request may take before the run fails (a hung worker). */
  workerTimeoutSeconds: z.number().positive().default(1800),
  /**
   * Worker replicas run a full garbage collection every this many updates, which keeps the process's memory flat
   * (without it worker heaps grow for many epochs: +19% RSS over 12 bench epochs, +3% with 4) at some throughput
   * cost; 0 leaves it to V8. No effect in-process.
   */
  workerGcEvery: z.number().int().min(0).default(4),
});

/** Where runs live and what this one is called. */
export const experimentConfigSchema = z.strictObject({
  /** Folder holding one sub-folder per experiment. */
  dir: z.string().min(1).default('experiments'),
  /** This run's folder name (default: `twostep-<date>-<time>` chosen at start). */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { message: 'expected letters, digits, ".", "_" or "-" (no slashes), at most 100' })
    .optional(),
});

export type OptimizerConfig = z.infer<typeof optimizerConfigSchema>;
export type ScheduleConfig = z.infer<typeof scheduleConfigSchema>;
export type EmaConfig = z.infer<typeof emaConfigSchema>;
export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type ExperimentConfig = z.infer<typeof experimentConfigSchema>;
