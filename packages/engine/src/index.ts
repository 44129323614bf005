/** @a2d/engine: the tfjs instance every package uses, backend selection, wasm training kernels and the native (oneDNN) kernels. */

/** The one tfjs instance of the workspace (import it from here so every package shares its backends). */
export * as tf from '@tensorflow/tfjs';
export { currentBackend, initEngine, installHint, backendPreference, realEnvironment } from './init-engine';
export type { EngineEnvironment, EngineInfo, InitEngineOptions, ResolvedBackend } from './init-engine';
export { BackendUnavailableError } from './backend-unavailable-error';
export type { EngineBackend } from '@a2d/core';
export { batchNormTraining } from './batch-norm-training';
export type { BatchNormTrainingResult } from './batch-norm-training';
export { registerWasmTrainingKernels, tfjsWasmKernelNames, wasmTrainingKernelNames } from './wasm/training-kernels';
export { checkFrameDifferencesInput, fillFrameDifferences, frameDifferencesConfig, frameDifferencesKernelName, frameDifferencesShape } from './wasm/frame-differences';
export { loadNativeAddon, nativeAddonPath, nativeAddonPathVariable } from './native/native-addon';
export type { NativeAddon, NativeAddonInfo, NativeAddonLoad, NativeConvKind } from './native/native-addon';
export { nativeKernelNames, registerNativeKernels } from './native/native-kernels';
export { NativeKernelError } from './native/native-kernel-error';
export { nativeConvLayout, setNativeConvLayout } from './native/conv-params';
export type { NativeConvLayout } from './native/conv-params';
export { useInstalledWasmBinaries } from './wasm/wasm-binaries';
export { assertSupportedTfjsWasmVersion, SUPPORTED_TFJS_WASM_VERSION, UnsupportedTfjsVersionError } from './wasm/tfjs-wasm-version';
export { DataParallelTrainer } from './data-parallel/data-parallel-trainer';
export type { DataParallelOptions } from './data-parallel/data-parallel-trainer';
export { InProcessTrainer } from './data-parallel/in-process-trainer';
export type { InProcessOptions } from './data-parallel/in-process-trainer';
export type { ApplyOptions, ApplySummary, GradientSummary, ReplicaTrainer, ShardOptions, StepOptions, TrainerState } from './data-parallel/replica-trainer';
export { ReplicaDivergenceError, ReplicaError, TrainerFailedError, TrainerStoppedError } from './data-parallel/trainer-errors';
export { splitBatch } from './data-parallel/replica';
export type { BatchPayload, Replica, ReplicaSpec, ReplicaState, StepContext, TensorPayload } from './data-parallel/replica';
export { profileKernels, shapeSignature, summarizeKernels } from './profile/kernel-profile';
export type { KernelCall, KernelCost, KernelProfile, KernelSummary, ShapeCost } from './profile/kernel-profile';
export { asWasmBackend, f32Region, heapTensor, tensorRegion } from './wasm/wasm-backend';
export type { WasmBackend } from './wasm/wasm-backend';
