import { initEngine, tf } from '@a2d/engine';
import { modelConfigSchema, Rng } from '@a2d/core';
import { TwoStepModel } from '../two-step-model';
import { measureCellAlignment, nominalAlignment, resampleCells } from './cell-alignment';
import { evaluateSymbolic } from './graph-evaluation';

beforeAll(async () => {
  await initEngine({ backend: 'wasm', log: () => {} });
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('resampleCells', () => {
  it('with the nominal alignment equals tf.image.resizeBilinear with half-pixel centres', () => {
    const rng = new Rng('maps');
    const values = Float32Array.from({ length: 2 * 4 * 5 }, () => rng.next());
    const alignment = { rows: nominalAlignment(4, 16), columns: nominalAlignment(5, 20) };
    const ours = resampleCells(values, [2, 4, 5], alignment, 16, 20);
    const reference = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(values, [2, 4, 5, 1]), [16, 20], false, true).dataSync());
    let largest = 0;
    ours.forEach((value, i) => (largest = Math.max(largest, Math.abs(value - reference[i]))));
    expect(largest).toBeLessThan(1e-6);
  });

  it('puts each cell value on its centre pixel and clamps beyond the first and last centres', () => {
    // Two cells centred on pixels 3 and 7 of an 8 px axis; one row.
    const alignment = { rows: { offset: 0, stride: 1 }, columns: { offset: 3, stride: 4 } };
    expect(Array.from(resampleCells([1, 5], [1, 1, 2], alignment, 1, 8))).toEqual([1, 1, 1, 1, 2, 3, 4, 5]);
  });
});

describe('measureCellAlignment', () => {
  it("finds the tiny backbone's cells centred on 16j + 15 ('same' padding pads after), not 16j + 7.5", () => {
    const config = modelConfigSchema.parse({ backbone: 'tiny', hiddenDim: 16, numHeads: 2, numLayers: 1, actionEmbeddingDim: 8, motion: { frameDifferences: false, tokenGrid: 1 } });
    const model = TwoStepModel.create({ config, inputSize: 64, numFrames: 2, rng: new Rng(3) });
    const full = model.network.full;
    const framesInput = full.inputs[0];
    const featureMap = full.getLayer('backbone/avg_pool').getInputAt(0) as tf.SymbolicTensor;
    const before = tf.memory().numTensors;
    const alignment = measureCellAlignment((frames) => evaluateSymbolic([featureMap], new Map([[framesInput, frames]]))[0], [1, 2, 64, 64, 3], { rows: 4, columns: 4 });
    expect(tf.memory().numTensors).toBe(before);
    for (const axis of [alignment.rows, alignment.columns]) {
      expect(axis.stride).toBe(16);
      // The receptive field of cell j spans 16j - 0 .. 16j + 30 (4 stages of 3x3, stride 2, nothing padded before).
      expect(axis.offset).toBeGreaterThan(14);
      expect(axis.offset).toBeLessThan(16);
    }
    model.dispose();
  });

  it("finds resnet18's cells centred on 32j (torchvision's symmetric padding), not 32j + 15.5", () => {
    const config = modelConfigSchema.parse({ backbone: 'resnet18', hiddenDim: 16, numHeads: 2, numLayers: 1, actionEmbeddingDim: 8, motion: { frameDifferences: false, tokenGrid: 1 } });
    const model = TwoStepModel.create({ config, inputSize: 96, numFrames: 1, rng: new Rng(3) });
    const full = model.network.full;
    const featureMap = full.getLayer('backbone/avg_pool').getInputAt(0) as tf.SymbolicTensor;
    const alignment = measureCellAlignment((frames) => evaluateSymbolic([featureMap], new Map([[full.inputs[0], frames]]))[0], [1, 1, 96, 96, 3], { rows: 3, columns: 3 });
    for (const axis of [alignment.rows, alignment.columns]) {
      expect(axis.stride).toBe(32);
      // Each stride-2 stage (7x7 stem, max pool, the first block of layers 2-4) maps output i to input 2i. The field
      // reaches past the 96 px frame and the noise's ReLU gating makes it only roughly symmetric: within 1/8 cell
      // (a plain centroid said 8.8, pulled towards the frame's centre).
      expect(Math.abs(axis.offset)).toBeLessThan(4);
    }
    model.dispose();
  }, 60_000);
});
