/**
 * Multi-head scaled dot-product attention over token sequences (Vaswani et al. 2017), shared by the temporal
 * self-attention and the action-conditioned cross-attention. Plain tensor functions; call them inside `tidy`.
 */
import { tf } from '@a2d/engine';
import type { DropoutMaskStream } from '../seeded-dropout';

/** `tokens [B, T, Din] @ kernel [Din, Dout] (+ bias [Dout])` -> `[B, T, Dout]`. */
export function projectTokens(tokens: tf.Tensor3D, kernel: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor3D {
  const [batch, length, width] = tokens.shape;
  const flat = tf.reshape(tokens, [batch * length, width]) as tf.Tensor2D;
  const product = tf.matMul(flat, kernel);
  const projected = bias ? tf.add(product, bias) : product;
  return tf.reshape(projected, [batch, length, kernel.shape[1]]);
}

/** `[B, T, D]` -> `[B * heads, T, D / heads]` (one attention problem per batch entry and head). */
function splitHeads(tokens: tf.Tensor3D, numHeads: number): tf.Tensor3D {
  const [batch, length, width] = tokens.shape;
  const perHead = width / numHeads;
  const heads = tf.transpose(tf.reshape(tokens, [batch, length, numHeads, perHead]), [0, 2, 1, 3]);
  return tf.reshape(heads, [batch * numHeads, length, perHead]);
}

/** Inverse of `splitHeads`. */
function mergeHeads(heads: tf.Tensor3D, batch: number, numHeads: number): tf.Tensor3D {
  const [, length, perHead] = heads.shape;
  const merged = tf.transpose(tf.reshape(heads, [batch, numHeads, length, perHead]), [0, 2, 1, 3]);
  return tf.reshape(merged, [batch, length, numHeads * perHead]);
}

/** Inputs of `multiHeadAttention`; queries, keys and values are already projected. */
export interface AttentionInputs {
  /** [B, Tq, D] */
  query: tf.Tensor3D;
  /** [B, Tk, D] */
  key: tf.Tensor3D;
  /** [B, Tk, D] */
  value: tf.Tensor3D;
  /** Heads; must divide D. */
  numHeads: number;
  /** [heads, Tq, Tk] added to every batch entry's attention logits (e.g. a relative-position bias). */
  logitBias?: tf.Tensor3D;
  /** Dropout applied to the attention probabilities (training only: pass it only then). */
  dropout?: DropoutMaskStream;
}

/** What `multiHeadAttention` returns. */
export interface AttentionResult {
  /** [B, Tq, D]: heads concatenated, before any output projection. */
  output: tf.Tensor3D;
  /** [B, heads, Tq, Tk]: softmax over keys, before dropout. */
  probabilities: tf.Tensor4D;
}

/** softmax(Q K^T / sqrt(d) + bias) V per head. */
export function multiHeadAttention(inputs: AttentionInputs): AttentionResult {
  const { query, key, value, numHeads } = inputs;
  const [batch, queryLength, width] = query.shape;
  const keyLength = key.shape[1];
  if (width % numHeads !== 0) throw new RangeError(`attention width ${width} is not divisible by ${numHeads} heads`);
  const q = splitHeads(query, numHeads);
  const k = splitHeads(key, numHeads);
  const v = splitHeads(value, numHeads);
  let logits: tf.Tensor = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(width / numHeads));
  logits = tf.reshape(logits, [batch, numHeads, queryLength, keyLength]);
  if (inputs.logitBias) logits = tf.add(logits, inputs.logitBias);
  const probabilities = tf.softmax(logits) as tf.Tensor4D;
  const used = inputs.dropout ? inputs.dropout.apply(probabilities) : probabilities;
  const attended = tf.matMul(tf.reshape(used, [batch * numHeads, queryLength, keyLength]) as tf.Tensor3D, v) as tf.Tensor3D;
  return { output: mergeHeads(attended, batch, numHeads), probabilities };
}
