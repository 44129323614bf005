/** `FusedDepthwiseConv2D` (NHWC): the depthwise convolution with bias and activation post-ops (see fused-conv2d.ts). */
import { fusedConvForward } from './fused-conv2d';
import type { NativeKernel } from './native-kernel';

/** The native `FusedDepthwiseConv2D`. */
export const nativeFusedDepthwiseConv2D: NativeKernel = { kernelName: 'FusedDepthwiseConv2D', run: fusedConvForward('FusedDepthwiseConv2D', true) };
