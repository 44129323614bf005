/** Model configuration: the backbone, the temporal transformers, the step-2 conditioning and decoding. */
import { z } from 'zod';
import { NUM_ACTIONS } from '../taxonomy';

/** Every 2D backbone the `layers` package can build, by name (`tiny` is the test and default CPU variant). */
export const BACKBONE_NAMES = [
  'tiny',
  'resnet18',
  'resnet34',
  'resnet50',
  'resnet101',
  'efficientnet-b0',
  'efficientnet-b1',
  'efficientnet-b2',
  'efficientnet-b3',
  'efficientnet-b4',
] as const;

/** A backbone name as the config takes it. */
export const backboneNameSchema = z.enum(BACKBONE_NAMES);

/** A backbone name. */
export type BackboneName = z.infer<typeof backboneNameSchema>;

/**
 * Which action step 2 is conditioned on during training (inference always feeds step 1's prediction).
 * `scheduled` is scheduled sampling (Bengio et al. 2015): per clip, the prediction replaces the ground truth
 * with a probability that rises from 0 at the start of training to `finalPredictionProb` at the end. The default is
 * `ground-truth` (teacher forcing): at the default budget it had the best mean test accuracy over 3 seeds, ahead of
 * scheduled sampling by about 2 points, inside the seed spread (docs/accuracy.md).
 */
export const conditioningConfigSchema = z.strictObject({
  mode: z.enum(['ground-truth', 'predicted', 'scheduled']).default('ground-truth'),
  /** Shape of the rise: `linear`, or `inverse-sigmoid` (flat at both ends, steepest at `midpoint`). */
  schedule: z.enum(['inverse-sigmoid', 'linear']).default('inverse-sigmoid'),
  /** Probability of feeding the prediction at the end of training; 1 trains on what inference will see. */
  finalPredictionProb: z.number().min(0).max(1).default(1),
  /** `inverse-sigmoid` only: training progress (0..1) at which half of `finalPredictionProb` is reached. */
  midpoint: z.number().gt(0).lt(1).default(0.5),
  /** `inverse-sigmoid` only: slope at the midpoint, in units of training progress. */
  steepness: z.number().positive().default(10),
});

/** Constrained decoding: re-score the top-k actions with step 2 and keep the best valid A2D pair. */
export const constrainedDecodingConfigSchema = z.strictObject({
  /** Report constrained decoding next to plain sequential decoding. */
  enabled: z.boolean().default(true),
  /** Actions re-scored per clip (step 2 runs once per candidate). */
  topK: z.number().int().min(1).max(NUM_ACTIONS).default(3),
});

/**
 * Motion-aware per-frame features (see layers' `frame-motion.ts`): frame differences as extra input channels,
 * a g x g grid of the last feature map per token instead of one pooled vector, a second backbone on the
 * differences. All off reproduces the original design (one pooled appearance vector per frame).
 */
export const motionConfigSchema = z.strictObject({
  /** Feed x_t - x_{t-1} next to each frame (3 more input channels). */
  frameDifferences: z.boolean().default(true),
  /** Cells per side of the pooled grid each frame's token is projected from (1 = global average pool). */
  tokenGrid: z.number().int().min(1).max(4).default(2),
  /** A `tiny` motion backbone on the frame differences, fused with the appearance features. */
  stream: z.boolean().default(false),
});

/** Per-channel mean and standard deviation in [0, 1] pixel units: the model input is `(byte / 255 - mean) / std`. */
export interface InputNormalization {
  mean: [number, number, number];
  std: [number, number, number];
}

/** The ImageNet statistics torchvision's and keras.applications' ImageNet weights were trained with (the default). */
export const IMAGENET_INPUT_NORMALIZATION: InputNormalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/**
 * The input preprocessing, one named step shared by training, evaluation and prediction (saved with the model).
 * `--model.pretrained` sets it to what the imported source network was trained with.
 */
export const inputNormalizationSchema = z.strictObject({
  mean: z.tuple([z.number(), z.number(), z.number()]).default([...IMAGENET_INPUT_NORMALIZATION.mean]),
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).default([...IMAGENET_INPUT_NORMALIZATION.std]),
});

/** The model section of the config tree (defaults sized for a CPU run). */
export const modelConfigSchema = z
  .strictObject({
    /**
     * `two-step`: step 1 predicts the action, step 2 the actor given it (the design under study). `one-step`: the
     * baseline, one head over the 36 video-level (actor, action) pairs on the same backbone and temporal model.
     */
    kind: z.enum(['two-step', 'one-step']).default('two-step'),
    /** Per-frame 2D backbone. */
    backbone: backboneNameSchema.default('tiny'),
    /**
     * A pretrained folder (`npx nx run layers:import-weights ... --out=<dir>`) whose weights start the backbone(s)
     * of a new run (not a resumed one); its input normalization replaces `inputNormalization`. Null: random init.
     */
    pretrained: z.string().min(1).nullable().default(null),
    inputNormalization: inputNormalizationSchema.prefault({}),
    /** One backbone feeds both steps (half the compute); false gives the actor step its own. */
    sharedBackbone: z.boolean().default(true),
    /** Width of the temporal tokens, the attention and the fusion MLP. */
    hiddenDim: z.number().int().positive().default(64),
    /** Attention heads; must divide `hiddenDim`. */
    numHeads: z.number().int().positive().default(4),
    /** Transformer blocks per stream. */
    numLayers: z.number().int().positive().default(2),
    /** Hidden width of each transformer MLP as a multiple of `hiddenDim`. */
    mlpRatio: z.number().positive().default(2),
    /**
     * Dropout on token and head features. The three regularisers here default to 0: the default run's short CPU
     * budget underfits (train accuracy below validation), and without them it learned faster (docs/accuracy.md).
     */
    dropout: z.number().min(0).lt(1).default(0),
    /** Dropout on attention probabilities. */
    attentionDropout: z.number().min(0).lt(1).default(0),
    /** Stochastic depth: drop probability of the deepest residual branch (lower ones scale linearly). */
    dropPathRate: z.number().min(0).lt(1).default(0),
    /** Relative distances beyond this share one learned attention bias (Shaw et al. 2018 clipping). */
    maxRelativeDistance: z.number().int().positive().default(8),
    /** Width of the learned action embedding that conditions step 2. */
    actionEmbeddingDim: z.number().int().positive().default(32),
    motion: motionConfigSchema.prefault({}),
    conditioning: conditioningConfigSchema.prefault({}),
    constrainedDecoding: constrainedDecodingConfigSchema.prefault({}),
  })
  .superRefine((model, context) => {
    if (model.hiddenDim % model.numHeads !== 0) {
      context.addIssue({
        code: 'custom',
        message: `expected a divisor of hiddenDim (${model.hiddenDim})`,
        path: ['numHeads'],
        input: model.numHeads,
      });
    }
  });

/** How step 2's training action is chosen. */
export type ConditioningConfig = z.infer<typeof conditioningConfigSchema>;
/** Motion-aware feature options. */
export type MotionConfig = z.infer<typeof motionConfigSchema>;
/** Constrained decoding settings. */
export type ConstrainedDecodingConfig = z.infer<typeof constrainedDecodingConfigSchema>;
/** The resolved model section. */
export type ModelConfig = z.infer<typeof modelConfigSchema>;
