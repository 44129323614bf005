/**
 * Model cost from its layer graph: parameters, and multiply-adds per sample counted from each layer's
 * weight and output shapes. Only convolutions and dense layers are counted (the convention of the
 * ResNet and EfficientNet papers, whose "FLOPs" are these multiply-adds); element-wise work (batch
 * norm, activations, pooling, adds) is left out. Custom layers can report their own cost.
 */
import { tf } from '@a2d/engine';

/** A custom layer that knows its multiply-adds per sample for one call with these (batch-free) shapes. */
export interface CountsMultiplyAdds {
  multiplyAdds(inputShapes: tf.Shape[], outputShapes: tf.Shape[]): number;
}

/** The cost of one layer (over all its calls in the model). */
export interface LayerCost {
  layer: string;
  className: string;
  multiplyAdds: number;
}

/** Parameters and per-sample multiply-adds of a model. */
export interface ModelCost {
  /** Trainable weights (elements). */
  trainableParameters: number;
  /** All weights, including batch-norm moving statistics. */
  totalParameters: number;
  /** Multiply-adds for one sample (one frame for a per-frame backbone). */
  multiplyAdds: number;
  /** Layers with a non-zero count, in model order. */
  byLayer: LayerCost[];
}

function hasOwnCount(layer: tf.layers.Layer): layer is tf.layers.Layer & CountsMultiplyAdds {
  return typeof (layer as Partial<CountsMultiplyAdds>).multiplyAdds === 'function';
}

function elements(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 1), 1);
}

/** Output positions per sample: every axis but batch and channels. */
function positions(shape: tf.Shape): number {
  return elements(shape.slice(1, -1));
}

function shapesOf(shapes: tf.Shape | tf.Shape[]): tf.Shape[] {
  return Array.isArray(shapes[0]) || shapes.length === 0 ? (shapes as tf.Shape[]) : [shapes as tf.Shape];
}

function weightShape(layer: tf.layers.Layer, weightName: string): number[] {
  const weight = layer.weights.find((w) => w.originalName.endsWith(`/${weightName}`));
  if (!weight) throw new TypeError(`${layer.name} (${layer.getClassName()}): no weight named ${weightName}`);
  return weight.shape.map((d) => d ?? 1);
}

/** Multiply-adds of one call of a built-in layer with these output shapes; 0 for layers without a kernel. */
function builtInMultiplyAdds(layer: tf.layers.Layer, outputShape: tf.Shape): number {
  switch (layer.getClassName()) {
    case 'Conv1D':
    case 'Conv2D':
    case 'A2dConv2D':
    case 'Conv3D':
    case 'Dense':
      return positions(outputShape) * elements(weightShape(layer, 'kernel'));
    case 'DepthwiseConv2D':
      return positions(outputShape) * elements(weightShape(layer, 'depthwise_kernel'));
    case 'SeparableConv2D':
      return positions(outputShape) * (elements(weightShape(layer, 'depthwise_kernel')) + elements(weightShape(layer, 'pointwise_kernel')));
    default:
      return 0;
  }
}

function layerMultiplyAdds(layer: tf.layers.Layer): number {
  let total = 0;
  // One node per call: a layer shared by two inputs costs twice. Nodes of other models sharing the layer count too.
  for (const node of layer.inboundNodes) {
    const inputShapes = shapesOf(node.inputShapes);
    const outputShapes = shapesOf(node.outputShapes);
    if (layer instanceof tf.LayersModel) total += measureModel(layer).multiplyAdds;
    else if (hasOwnCount(layer)) total += layer.multiplyAdds(inputShapes, outputShapes);
    else total += outputShapes.reduce((sum, shape) => sum + builtInMultiplyAdds(layer, shape), 0);
  }
  return total;
}

/** Parameters and multiply-adds per sample of `model` (nested models are counted through). */
export function measureModel(model: tf.LayersModel): ModelCost {
  const byLayer: LayerCost[] = [];
  for (const layer of model.layers) {
    const multiplyAdds = layerMultiplyAdds(layer);
    if (multiplyAdds > 0) byLayer.push({ layer: layer.name, className: layer.getClassName(), multiplyAdds });
  }
  return {
    trainableParameters: model.trainableWeights.reduce((sum, w) => sum + elements(w.shape), 0),
    totalParameters: model.countParams(),
    multiplyAdds: byLayer.reduce((sum, cost) => sum + cost.multiplyAdds, 0),
    byLayer,
  };
}
