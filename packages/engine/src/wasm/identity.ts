/**
 * `Identity` for the wasm backend without a copy: the result shares the input's heap block (reference
 * counted, as the cpu backend and wasm's own Reshape do). tfjs clones every tensor it saves for a
 * backward pass, so wasm's copying Identity costs a full copy of most activations per training step.
 */
import type { KernelConfig, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { asWasmBackend, kernelInputs } from './wasm-backend';

function identity(args: { inputs: NamedTensorInfoMap; backend: unknown }): TensorInfo {
  const backend = asWasmBackend(args.backend, 'Identity');
  const { x } = kernelInputs(args.inputs, ['x'], 'Identity');
  if (x.dtype === 'string') throw new Error('Identity (wasm): string tensors are not supported');
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

/** Registration of the wasm `Identity` kernel (overrides wasm's copying one). */
export const identityConfig: KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: identity as unknown as KernelConfig['kernelFunc'],
};
