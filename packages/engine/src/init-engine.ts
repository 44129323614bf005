/**
 * The one place the tfjs backend is chosen. `auto` takes the fastest backend that starts:
 * tfjs-node-gpu (a visible NVIDIA GPU and the package) > tfjs-node > native (wasm with its convolutions replaced
 * by oneDNN kernels, src/native/, registered under tfjs's `wasm` name: 1.5x wasm on a default training step and
 * 3.4x on ResNet-18-style training here) > wasm (with our training kernels) > cpu, and logs which one and why; a
 * native addon that is not built or does not load is passed over with the reason. Choosing `wasm` after `native`
 * puts wasm's kernels back. An explicit choice that cannot start throws with install steps.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EngineBackend } from '@a2d/core';
import { BackendUnavailableError } from './backend-unavailable-error';
import { loadNativeAddon, type NativeAddonLoad } from './native/native-addon';
import { registerNativeKernels } from './native/native-kernels';
import { registerWasmTrainingKernels } from './wasm/training-kernels';
import { useInstalledWasmBinaries } from './wasm/wasm-binaries';

/** A concrete backend (what `auto` resolves to). */
export type ResolvedBackend = Exclude<EngineBackend, 'auto'>;

/** The order `auto` tries backends in, fastest first. */
export const backendPreference: readonly ResolvedBackend[] = ['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'];

/** What the machine offers; the defaults look at the real one (tests pass their own to stay independent of it). */
export interface EngineEnvironment {
  /** Loads an optional npm package by name; throws when it is missing or its native part fails to load. */
  loadPackage(name: string): unknown;
  /** Whether an NVIDIA GPU and driver are visible to this process. */
  nvidiaGpuVisible(): boolean;
  /** Loads the oneDNN addon of the `native` backend (default: `loadNativeAddon`, honouring `A2D_NATIVE_ADDON`). */
  loadNativeAddon?(): NativeAddonLoad;
}

/** Options of `initEngine`. */
export interface InitEngineOptions {
  /** Requested backend (default `auto`). */
  backend?: EngineBackend;
  /** Where the choice is reported (default `console.log`); pass `() => {}` to stay quiet. */
  log?: (line: string) => void;
  /** Probe of the machine (default: the real one). */
  environment?: EngineEnvironment;
  /** oneDNN threads of the `native` backend in this thread (default: every core); the other backends ignore it. */
  threads?: number;
}

/** Which backend runs, and why; apps record it in the run's config. */
export interface EngineInfo {
  /** What was asked for. */
  requested: EngineBackend;
  /** What runs. */
  backend: ResolvedBackend;
  /** The tfjs backend name behind it (`tensorflow` for both tfjs-node packages, `wasm` for `native`). */
  tfjsBackend: string;
  /** Why this backend. */
  reason: string;
  /** Backends `auto` passed over on the way, with the reason for each. */
  skipped: { backend: ResolvedBackend; reason: string }[];
  /** Version of `@tensorflow/tfjs`. */
  tfjsVersion: string;
}

const packages: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

/** How to install a backend that is missing (shown in the error of an explicit request). */
export function installHint(backend: ResolvedBackend): string {
  const version = tf.version.tfjs;
  switch (backend) {
    case 'tensorflow-gpu':
      return (
        `Install it with: npm install --no-save @tensorflow/tfjs-node-gpu@${version} (its install script downloads libtensorflow: ` +
        `do not pass --ignore-scripts, and where install scripts are allow-listed add "@tensorflow/tfjs-node-gpu": true to "allowScripts"). ` +
        'It runs on Linux x86_64 with an NVIDIA driver >= 450, CUDA 11.2 (libcudart.so.11.0) and cuDNN 8.1 on the library path.'
      );
    case 'tensorflow':
      return (
        `Install it with: npm install --no-save @tensorflow/tfjs-node@${version} (its install script downloads libtensorflow: ` +
        `do not pass --ignore-scripts, and where install scripts are allow-listed add "@tensorflow/tfjs-node": true to "allowScripts").`
      );
    case 'native':
      return 'Build it with: bash tools/setup.sh (installs Debian\'s libdnnl-dev and builds packages/engine/native with node-gyp); without it, use --backend=wasm.';
    case 'wasm':
      return 'Reinstall the workspace dependencies (npm ci): @tensorflow/tfjs-backend-wasm ships with @a2d/engine.';
    case 'cpu':
      return 'Reinstall the workspace dependencies (npm ci): the cpu backend ships with @tensorflow/tfjs.';
  }
}

/** The real machine: packages resolved from the working directory first, then from this package. */
export const realEnvironment: EngineEnvironment = {
  loadPackage(name) {
    // The app's own node_modules first (where a user installs tfjs-node), then this package's.
    const fromApp = createRequire(path.join(process.cwd(), 'package.json'));
    try {
      return fromApp(name) as unknown;
    } catch (error) {
      if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
      return createRequire(__filename)(name) as unknown;
    }
  },
  nvidiaGpuVisible() {
    try {
      return existsSync('/proc/driver/nvidia/gpus') && readdirSync('/proc/driver/nvidia/gpus').length > 0;
    } catch {
      return false;
    }
  },
};

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}

/** Starts wasm, then puts the oneDNN kernels in place of its convolutions; returns why it cannot, or what runs. */
async function startNative(environment: EngineEnvironment, threads: number | undefined): Promise<{ failure: string } | { detail: string }> {
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0)) return { failure: `threads must be a non-negative integer, got ${threads}` };
  const load = (environment.loadNativeAddon ?? loadNativeAddon)();
  if (!load.addon) return { failure: load.reason };
  const failure = await tryStart('wasm', environment);
  if (failure !== undefined) return { failure: `its wasm base: ${failure}` };
  registerNativeKernels(load.addon);
  load.addon.setThreads(threads ?? 0);
  const info = load.addon.info();
  return { detail: `oneDNN ${info.dnnlVersion} (${info.cpuRuntime}, ${info.isa}, ${info.threads} thread${info.threads === 1 ? '' : 's'})` };
}

/** Starts `backend`; returns why it cannot, or undefined when it now runs. */
async function tryStart(backend: Exclude<ResolvedBackend, 'native'>, environment: EngineEnvironment): Promise<string | undefined> {
  if (backend === 'tensorflow-gpu' || backend === 'tensorflow') {
    if (backend === 'tensorflow-gpu' && !environment.nvidiaGpuVisible()) return 'no NVIDIA GPU is visible (/proc/driver/nvidia/gpus is empty or missing)';
    const name = packages[backend];
    try {
      environment.loadPackage(name);
    } catch (error) {
      const missing = (error as { code?: string }).code === 'MODULE_NOT_FOUND' && firstLine(error).includes(name);
      return missing ? `${name} is not installed` : `${name} failed to load: ${firstLine(error)}`;
    }
    if (!tf.findBackendFactory('tensorflow')) {
      return `${name} loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs (install version ${tf.version.tfjs} so both share one tfjs-core)`;
    }
    return (await tf.setBackend('tensorflow')) ? undefined : `${name} is installed but its backend failed to start`;
  }
  if (backend === 'wasm') {
    useInstalledWasmBinaries();
    registerWasmTrainingKernels();
  }
  try {
    return (await tf.setBackend(backend)) ? undefined : `the ${backend} backend failed to start`;
  } catch (error) {
    return `the ${backend} backend failed to start: ${firstLine(error)}`;
  }
}

// What the last successful `initEngine` started (for `currentBackend`).
let started: EngineInfo | undefined;

/**
 * The backend running now, by our name: `native` where `initEngine` started it (tfjs itself calls it `wasm`), else
 * tfjs's name of its active backend (also when something switched backends since with `tf.setBackend`).
 */
export function currentBackend(): string {
  const active = tf.getBackend();
  return started && started.tfjsBackend === active ? started.backend : active;
}

/** Chooses and starts the tfjs backend; see the file comment for the order. */
export async function initEngine(options: InitEngineOptions = {}): Promise<EngineInfo> {
  const requested = options.backend ?? 'auto';
  const log = options.log ?? ((line: string) => console.log(line));
  const environment = options.environment ?? realEnvironment;
  const skipped: EngineInfo['skipped'] = [];
  const candidates = requested === 'auto' ? backendPreference : [requested];
  for (const backend of candidates) {
    let failure: string | undefined;
    let detail = '';
    if (backend === 'native') {
      const native = await startNative(environment, options.threads);
      if ('failure' in native) failure = native.failure;
      else detail = `; ${native.detail}`;
    } else {
      failure = await tryStart(backend, environment);
    }
    if (failure === undefined) {
      const reason =
        requested === 'auto'
          ? `auto: fastest available${skipped.length ? ` (${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')})` : ''}`
          : `requested explicitly${detail}`;
      const info: EngineInfo = { requested, backend, tfjsBackend: tf.getBackend(), reason, skipped, tfjsVersion: tf.version.tfjs };
      log(`engine: backend ${backend} (${reason})`);
      started = info;
      return info;
    }
    if (requested !== 'auto') throw new BackendUnavailableError(backend, failure, installHint(backend));
    skipped.push({ backend, reason: failure });
  }
  throw new BackendUnavailableError('cpu', skipped.map((s) => `${s.backend}: ${s.reason}`).join('; '), installHint('cpu'));
}
