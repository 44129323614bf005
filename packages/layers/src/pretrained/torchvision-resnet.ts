/**
 * torchvision ResNet `state_dict` names and layouts onto ours: `layer2.0.downsample.0.weight` [out, in, kh, kw]
 * becomes `conv3_block1_0_conv/kernel` [kh, kw, in, out]; BatchNorm's weight/bias/running_mean/running_var become
 * gamma/beta/moving_mean/moving_variance. `fc.*` (the ImageNet classifier) is left unmapped on purpose.
 */
import type { SafetensorsDtype, SafetensorsFile } from './safetensors-file';
import { PretrainedImportError } from './pretrained-import-error';
import { IMAGENET_INPUT_NORMALIZATION, type InputNormalization } from '@a2d/core';
import type { SourceWeight, SourceWeights } from './source-weights';
import { z } from 'zod';
import { refuseNonFiniteValues } from './weight-value-checks';

/** The dtypes a weight may have; integer and bool tensors are step counters (`num_batches_tracked`) or a damaged file. */
const FLOAT_DTYPES: ReadonlySet<SafetensorsDtype> = new Set(['F32', 'F16', 'BF16', 'F64']);

const batchNormNames: Record<string, string> = { weight: 'gamma', bias: 'beta', running_mean: 'moving_mean', running_var: 'moving_variance' };

/** Our `<layer>` name of a torchvision module path (`layer1.0.conv2` -> `conv2_block1_2_conv`), or undefined. */
export function torchvisionModuleToLayer(module: string): string | undefined {
  if (module === 'conv1') return 'conv1_conv';
  if (module === 'bn1') return 'conv1_bn';
  const block = /^layer([1-4])\.(\d+)\.(conv|bn)([1-3])$/.exec(module);
  if (block) return `conv${Number(block[1]) + 1}_block${Number(block[2]) + 1}_${block[4]}_${block[3]}`;
  const shortcut = /^layer([1-4])\.(\d+)\.downsample\.([01])$/.exec(module);
  if (shortcut) return `conv${Number(shortcut[1]) + 1}_block${Number(shortcut[2]) + 1}_0_${shortcut[3] === '0' ? 'conv' : 'bn'}`;
  return undefined;
}

/** [out, in, kh, kw] (PyTorch) -> [kh, kw, in, out] (TensorFlow). */
export function oihwToHwio(values: Float32Array, [out, inC, kh, kw]: readonly [number, number, number, number]): Float32Array {
  const result = new Float32Array(values.length);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inC; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) result[((y * kw + x) * inC + i) * out + o] = values[((o * inC + i) * kh + y) * kw + x];
      }
    }
  }
  return result;
}

const preprocessingSchema = z.object({ mean: z.tuple([z.number(), z.number(), z.number()]), std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]) });

/** The weights of a torchvision ResNet state_dict (as `tools/pretrained/export_torchvision.py` writes it). */
export function torchvisionResNetWeights(file: SafetensorsFile, fileName: string): SourceWeights {
  const weights: SourceWeight[] = [];
  const ignored: SourceWeights['ignored'] = [];
  const unmapped: string[] = [];
  for (const [sourceName, tensor] of file.tensors) {
    const dot = sourceName.lastIndexOf('.');
    const module = sourceName.slice(0, dot);
    const leaf = sourceName.slice(dot + 1);
    if (leaf === 'num_batches_tracked') {
      ignored.push({ sourceName, reason: 'BatchNorm step counter (no role in inference)' });
      continue;
    }
    const layer = torchvisionModuleToLayer(module);
    if (layer === undefined) {
      unmapped.push(sourceName);
      continue;
    }
    let name: string;
    if (layer.endsWith('_conv')) {
      if (leaf !== 'weight' || tensor.shape.length !== 4) {
        unmapped.push(sourceName);
        continue;
      }
      name = `${layer}/kernel`;
    } else {
      const weight = batchNormNames[leaf];
      if (weight === undefined) {
        unmapped.push(sourceName);
        continue;
      }
      name = `${layer}/${weight}`;
    }
    if (!FLOAT_DTYPES.has(tensor.dtype)) {
      throw new PretrainedImportError(fileName, `dtype ${tensor.dtype}, expected a float dtype (F32, F16, BF16 or F64) for a weight; nothing was written`, sourceName);
    }
    // Checked in the file's own layout, so the index printed is the one a reader of the file finds.
    const values = tensor.values instanceof Float32Array ? tensor.values : Float32Array.from(tensor.values);
    refuseNonFiniteValues(values, sourceName, fileName);
    if (layer.endsWith('_conv')) {
      const [out = 0, inC = 0, kh = 0, kw = 0] = tensor.shape;
      weights.push({ name, sourceName, shape: [kh, kw, inC, out], values: oihwToHwio(values, [out, inC, kh, kw]) });
    } else {
      weights.push({ name, sourceName, shape: [...tensor.shape], values });
    }
  }
  let inputNormalization: InputNormalization = IMAGENET_INPUT_NORMALIZATION;
  let normalizationSource = 'ImageNet statistics (the file names no preprocessing; torchvision classification weights all use them)';
  const declared = file.metadata.preprocessing;
  if (declared !== undefined) {
    let parsed: ReturnType<typeof preprocessingSchema.safeParse>;
    try {
      parsed = preprocessingSchema.safeParse(JSON.parse(declared));
    } catch {
      parsed = preprocessingSchema.safeParse(undefined);
    }
    if (!parsed.success) throw new PretrainedImportError(fileName, `__metadata__.preprocessing: expected JSON {"mean":[r,g,b],"std":[r,g,b]}, got ${JSON.stringify(declared)}`);
    inputNormalization = { mean: [...parsed.data.mean], std: [...parsed.data.std] };
    normalizationSource = "the file's __metadata__.preprocessing (torchvision's weights.transforms())";
  }
  return { format: 'torchvision state_dict (safetensors)', weights, ignored, unmapped, inputNormalization, normalizationSource };
}
