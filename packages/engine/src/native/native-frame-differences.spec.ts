import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues, valuesOn, wasmLeaksOf } from '../testing/backend-pair';
import { describeNative, startCpuAndNative } from '../testing/native-specs';
import { fillFrameDifferences, frameDifferencesKernelName, frameDifferencesShape } from '../wasm/frame-differences';

const shapes: number[][] = [[2, 3, 5, 7, 3], [1, 1, 4, 4, 2], [3, 8, 28, 28, 3]];

describeNative('native frame differences against the wasm kernel', () => {
  beforeAll(async () => {
    await startCpuAndNative();
  });

  it.each(shapes.flatMap((shape) => [true, false].map((keepFrames) => [`${shape.join('x')}${keepFrames ? '' : ' (differences only)'}`, shape, keepFrames] as const)))(
    '%s: the same float32 values as the JS loop',
    async (_label, shape, keepFrames) => {
      const x = normalValues(new Rng(`native-frame-differences/${shape.join('x')}`), tf.util.sizeFromShape(shape));
      const expected = new Float32Array(tf.util.sizeFromShape(frameDifferencesShape(shape, keepFrames)));
      fillFrameDifferences(x, expected, shape, keepFrames);
      const op = () => tf.engine().runKernel(frameDifferencesKernelName, { x: tf.tensor(x, shape) }, { keepFrames }) as tf.Tensor;
      const [actual] = await valuesOn('wasm', op);
      expect(Array.from(actual)).toEqual(Array.from(expected));
      expect(await wasmLeaksOf(op)).toEqual({ tensors: 0, dataIds: 0, heapBlocks: 0 });
    },
  );

  it('refuses input that is not [B, T, H, W, C] float32', async () => {
    await tf.setBackend('wasm');
    expect(() => tf.engine().runKernel(frameDifferencesKernelName, { x: tf.zeros([2, 3, 4, 5]) }, {})).toThrow(/expected \[B, T, H, W, C\], got \[2, 3, 4, 5\]/);
  });
});
