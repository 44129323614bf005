/**
 * The temporal transformer over a clip's frame tokens: N pre-norm blocks (Xiong et al. 2020), each
 *   x = x + DropPath(SelfAttention(LayerNorm(x)))          (relative-position bias: the only order signal)
 *   x = x + DropPath(Dropout(Linear(Dropout(GELU(Linear(LayerNorm(x)))))))   (MLP of width D * mlpRatio)
 * and a final LayerNorm. Built with the functional API from serializable layers, so models holding it reload.
 */
import { tf } from '@a2d/engine';
import { RelativePositionSelfAttention } from './attention/relative-position-self-attention';
import { DropPath, dropPathRateAt } from './backbones/drop-path';
import { layerSeed } from './layer-seed';
import { SeededDropout } from './seeded-dropout';
import { applySymbolic } from './symbolic-layer-output';
import { LayerNorm } from './layer-norm';

/** Options of `temporalTransformer`. */
export interface TemporalTransformerOptions {
  /** Layer-name prefix, e.g. `action_stream/transformer`; every layer name starts with it. */
  name: string;
  /** Blocks. */
  numLayers: number;
  /** Attention heads; must divide the token width. */
  numHeads: number;
  /** MLP hidden width as a multiple of the token width. */
  mlpRatio: number;
  /** Dropout after the MLP's activation and output. */
  dropout: number;
  /** Dropout on attention probabilities. */
  attentionDropout: number;
  /** Stochastic depth of the last block (earlier blocks get linearly less, the first none). */
  dropPathRate: number;
  /** Clipping distance of the relative-position bias (the table stops earlier when a static T - 1 is smaller). */
  maxRelativeDistance: number;
  /** Model seed; each layer derives its own from it and its name. */
  seed: number;
}

/** Applies the transformer to symbolic tokens `[B, T, D]` (D static) and returns `[B, T, D]`. */
export function temporalTransformer(tokens: tf.SymbolicTensor, options: TemporalTransformerOptions): tf.SymbolicTensor {
  const width = tokens.shape[2];
  if (tokens.shape.length !== 3 || typeof width !== 'number') {
    throw new TypeError(`${options.name}: expected tokens [B, T, D] with a static D, got [${tokens.shape.join(', ')}]`);
  }
  const seed = (name: string) => layerSeed(options.seed, name);
  const hiddenWidth = Math.max(1, Math.round(width * options.mlpRatio));
  const layerNorm = (name: string) => new LayerNorm({ name, epsilon: 1e-5 });
  const dropout = (name: string) => new SeededDropout({ name, rate: options.dropout, seed: seed(name) });
  const dense = (name: string, units: number, activation?: 'gelu') =>
    tf.layers.dense({ name, units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: seed(name) }) });
  let x = tokens;
  for (let block = 0; block < options.numLayers; block++) {
    const prefix = `${options.name}/block${block}`;
    const dropPathRate = dropPathRateAt(options.dropPathRate, block, options.numLayers);
    const addResidual = (branch: tf.SymbolicTensor, name: string): tf.SymbolicTensor => {
      const dropped =
        dropPathRate > 0
          ? applySymbolic(new DropPath({ name: `${name}_drop_path`, rate: dropPathRate, seed: seed(`${name}_drop_path`) }), branch)
          : branch;
      return applySymbolic(tf.layers.add({ name: `${name}_residual` }), [x, dropped]);
    };

    let h = applySymbolic(layerNorm(`${prefix}/attention_norm`), x);
    const attention = new RelativePositionSelfAttention({
      name: `${prefix}/attention`,
      numHeads: options.numHeads,
      maxRelativeDistance: options.maxRelativeDistance,
      // A static clip length bounds the distances: the bias table then holds only those it can see.
      maxSequenceLength: tokens.shape[1] ?? null,
      attentionDropout: options.attentionDropout,
      seed: seed(`${prefix}/attention`),
    });
    x = addResidual(applySymbolic(attention, h), `${prefix}/attention`);

    h = applySymbolic(layerNorm(`${prefix}/mlp_norm`), x);
    h = applySymbolic(dense(`${prefix}/mlp_hidden`, hiddenWidth, 'gelu'), h);
    h = applySymbolic(dropout(`${prefix}/mlp_hidden_dropout`), h);
    h = applySymbolic(dense(`${prefix}/mlp_output`, width), h);
    h = applySymbolic(dropout(`${prefix}/mlp_output_dropout`), h);
    x = addResidual(h, `${prefix}/mlp`);
  }
  return applySymbolic(layerNorm(`${options.name}/final_norm`), x);
}
