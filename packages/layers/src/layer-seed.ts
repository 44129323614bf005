/** Seeds of layer initializers and dropout streams, derived from one model seed and each layer's name. */
import { hashString } from '@a2d/core';

/**
 * The seed of the layer called `layerName` in a model seeded with `seed`: independent streams per layer that do
 * not shift when a layer is added elsewhere.
 */
export function layerSeed(seed: number, layerName: string): number {
  return hashString(`${seed}:${layerName}`);
}
