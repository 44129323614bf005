/** @a2d/engine: the tfjs instance every package uses, backend selection, wasm training kernels and the native (oneDNN) kernels. */

/**
 * The one tfjs instance of the workspace: the whole of `@tensorflow/tfjs`, re-exported on purpose (the only
 * `export *` in a package index). Import tfjs from here so every package shares its backends and kernels.
 */
export * as tf from '@tensorflow/tfjs';

// Backend selection: tfjs-node-gpu > tfjs-node > wasm > cpu, resolved once by `initEngine`.
export { currentBackend, initEngine } from './init-engine';
export type { EngineEnvironment, EngineInfo, InitEngineOptions, ResolvedBackend } from './init-engine';
export type { EngineBackend } from '@a2d/core';
export { BackendUnavailableError } from './backend-unavailable-error';
export { UnsupportedTfjsVersionError } from './wasm/tfjs-wasm-version';

// Kernels: the wasm training kernels (the page registers them itself), batch-norm training, frame differences.
export { registerWasmTrainingKernels } from './wasm/training-kernels';
export { batchNormTraining } from './batch-norm-training';
export type { BatchNormTrainingResult } from './batch-norm-training';
export {
  checkFrameDifferencesInput,
  fillFrameDifferences,
  frameDifferencesConfig,
  frameDifferencesKernelName,
  frameDifferencesShape,
} from './wasm/frame-differences';

// The native (oneDNN) addon: loading it, and the typed error of its kernels.
export { loadNativeAddon } from './native/native-addon';
export type { NativeAddon, NativeAddonInfo, NativeAddonLoad, NativeConvKind } from './native/native-addon';
export { NativeKernelError } from './native/native-kernel-error';

// Data-parallel training: replicas in worker threads (or in process) behind one `ReplicaTrainer` interface.
export { DataParallelTrainer } from './data-parallel/data-parallel-trainer';
export type { DataParallelOptions } from './data-parallel/data-parallel-trainer';
export { InProcessTrainer } from './data-parallel/in-process-trainer';
export type { InProcessOptions } from './data-parallel/in-process-trainer';
export type { ApplyOptions, ApplySummary, GradientSummary, ReplicaTrainer, ShardOptions, StepOptions, TrainerState } from './data-parallel/replica-trainer';
export { ReplicaDivergenceError, ReplicaError, TrainerFailedError, TrainerStoppedError } from './data-parallel/trainer-errors';
export { splitBatch } from './data-parallel/replica';
export type { BatchPayload, Replica, ReplicaSpec, ReplicaState, StepContext, TensorPayload } from './data-parallel/replica';

// Profiling: where a computation's time goes, kernel by kernel.
export { profileKernels, summarizeKernels } from './profile/kernel-profile';
export type { KernelCall, KernelCost, KernelProfile, KernelSummary, ShapeCost } from './profile/kernel-profile';
