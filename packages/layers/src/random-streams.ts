/**
 * Every seeded random stream inside a model (dropout, attention dropout, drop path), by layer name, so a
 * checkpoint can save where each stream is and a resumed run draws exactly the masks an uninterrupted one would.
 */
import type { RngState } from '@a2d/core';
import type { tf } from '@a2d/engine';

/** A layer that draws from its own seeded stream. */
export interface RandomStreamLayer {
  getRandomState(): RngState;
  setRandomState(state: RngState): void;
}

function isRandomStreamLayer(layer: unknown): layer is RandomStreamLayer {
  const candidate = layer as Partial<RandomStreamLayer>;
  return typeof candidate.getRandomState === 'function' && typeof candidate.setRandomState === 'function';
}

function streamLayers(model: tf.LayersModel): Map<string, RandomStreamLayer> {
  const found = new Map<string, RandomStreamLayer>();
  const visit = (layers: readonly tf.layers.Layer[]) => {
    for (const layer of layers) {
      if (isRandomStreamLayer(layer)) found.set(layer.name, layer);
      const nested = (layer as { layers?: tf.layers.Layer[] }).layers;
      if (Array.isArray(nested)) visit(nested);
    }
  };
  visit(model.layers);
  return found;
}

/** The position of every random stream of `model`, by layer name. */
export function getRandomStreams(model: tf.LayersModel): Record<string, RngState> {
  return Object.fromEntries([...streamLayers(model)].map(([name, layer]) => [name, layer.getRandomState()]));
}

/** Restores `getRandomStreams` output; a saved stream the model lacks (or the reverse) throws naming it. */
export function setRandomStreams(model: tf.LayersModel, states: Readonly<Record<string, RngState>>): void {
  const layers = streamLayers(model);
  const missing = [...layers.keys()].filter((name) => !(name in states));
  const unknown = Object.keys(states).filter((name) => !layers.has(name));
  if (missing.length > 0 || unknown.length > 0) {
    throw new RangeError(
      `random streams do not match the model: ${missing.length ? `not saved: ${missing.slice(0, 5).join(', ')}` : ''}` +
        `${unknown.length ? ` unknown: ${unknown.slice(0, 5).join(', ')}` : ''}`,
    );
  }
  for (const [name, layer] of layers) layer.setRandomState(states[name]);
}
