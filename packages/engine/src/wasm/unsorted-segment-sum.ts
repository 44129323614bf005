/**
 * `UnsortedSegmentSum` for the wasm backend: out[segmentIds[i], ...] += x[i, ...]; ids outside
 * [0, numSegments) are dropped (TensorFlow semantics). It is the gradient of gather, so embedding
 * tables train on wasm. One pass over x, rows added contiguously.
 */
import { util, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo, type UnsortedSegmentSumAttrs } from '@tensorflow/tfjs';
import { asWasmBackend, f32Region, i32Region, kernelInputs } from './wasm-backend';

function unsortedSegmentSum(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const name = 'UnsortedSegmentSum';
  const backend = asWasmBackend(args.backend, name);
  const { x, segmentIds } = kernelInputs(args.inputs, ['x', 'segmentIds'], name);
  const { numSegments } = args.attrs as unknown as UnsortedSegmentSumAttrs;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`${name} (wasm): x must be float32 or int32, got ${x.dtype}`);
  if (segmentIds.dtype !== 'int32') throw new Error(`${name} (wasm): segmentIds must be int32, got ${segmentIds.dtype}`);
  const idRank = segmentIds.shape.length;
  if (!segmentIds.shape.every((d, i) => d === x.shape[i])) {
    throw new Error(`${name} (wasm): segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`);
  }
  const rowShape = x.shape.slice(idRank);
  const row = util.sizeFromShape(rowShape);
  const count = util.sizeFromShape(segmentIds.shape);
  const out = backend.makeOutput([numSegments, ...rowShape], x.dtype);
  const xData = backend.dataIdMap.get(x.dataId);
  const idData = backend.dataIdMap.get(segmentIds.dataId);
  const outData = backend.dataIdMap.get(out.dataId);
  if (!xData || !idData || !outData) throw new Error(`${name} (wasm): tensor data not found on the wasm backend`);
  const region = x.dtype === 'float32' ? f32Region : i32Region;
  const ids = i32Region(backend.wasm, idData.memoryOffset >>> 2, count);
  const xs = region(backend.wasm, xData.memoryOffset >>> 2, count * row);
  const sums = region(backend.wasm, outData.memoryOffset >>> 2, numSegments * row);
  sums.fill(0);
  for (let i = 0; i < count; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue;
    const src = i * row;
    const dst = segment * row;
    for (let j = 0; j < row; j++) sums[dst + j] += xs[src + j];
  }
  return out;
}

/** Registration of the wasm `UnsortedSegmentSum` kernel. */
export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as KernelConfig['kernelFunc'],
};
