import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { nonConfigEnvVariables } from '@a2d/core';
import { BackendUnavailableError } from '../backend-unavailable-error';
import { DataParallelTrainer } from '../data-parallel/data-parallel-trainer';
import { InProcessTrainer } from '../data-parallel/in-process-trainer';
import { splitBatch } from '../data-parallel/replica';
import { backendPreference, currentBackend, initEngine, realEnvironment } from '../init-engine';
import { relativeError } from '../testing/backend-pair';
import { convBatch, convReplicaSpec } from '../testing/conv-replica';
import { describeNative, requireSpecAddon } from '../testing/native-specs';
import { tfjsWasmKernelNames, wasmKernelConfig, wasmTrainingKernelNames } from '../wasm/training-kernels';
import { loadNativeAddon, nativeAddonPathVariable } from './native-addon';
import { nativeKernelNames } from './native-kernels';

const quiet = () => undefined;
const kernelFuncs = (names: readonly string[]) => names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);

describe('the native backend without its addon', () => {
  it('is located by a variable the config loader leaves alone (it is not a config path)', () => {
    expect(nonConfigEnvVariables).toContain(nativeAddonPathVariable);
  });

  it('says in one line what is missing when the addon is not at its path', () => {
    const load = loadNativeAddon({ [nativeAddonPathVariable]: '/nonexistent/a2d_dnnl.node' });
    expect(load.addon).toBeUndefined();
    expect(load.reason).toBe(
      'the native addon is not built (no /nonexistent/a2d_dnnl.node): run bash tools/setup.sh (it installs libdnnl-dev and builds packages/engine/native)',
    );
  });

  it('fails an explicit request with BackendUnavailableError; auto passes it over with the reason and takes wasm', async () => {
    const environment = { ...realEnvironment, loadNativeAddon: () => loadNativeAddon({ [nativeAddonPathVariable]: '/nonexistent/a2d_dnnl.node' }) };
    const request = initEngine({ backend: 'native', log: quiet, environment });
    await expect(request).rejects.toThrow(BackendUnavailableError);
    await expect(initEngine({ backend: 'native', log: quiet, environment })).rejects.toThrow(
      /^backend 'native' is not available: the native addon is not built \(no \/nonexistent\/a2d_dnnl\.node\): run bash tools\/setup\.sh .*\nBuild it with: bash tools\/setup\.sh/,
    );
    expect(backendPreference.indexOf('native')).toBe(backendPreference.indexOf('wasm') - 1);
    const auto = await initEngine({ backend: 'auto', log: quiet, environment: { ...environment, nvidiaGpuVisible: () => false, loadPackage: () => { throw Object.assign(new Error('Cannot find module'), { code: 'MODULE_NOT_FOUND' }); } } });
    expect(auto.backend).toBe('wasm');
    expect(auto.skipped.find((s) => s.backend === 'native')?.reason).toMatch(/the native addon is not built/);
  });

  it('reports a file that is not a loadable addon with the loader error', () => {
    const load = loadNativeAddon({ [nativeAddonPathVariable]: __filename });
    expect(load.reason).toMatch(/^the native addon failed to load \(.*\): run bash tools\/setup\.sh/);
  });
});

describeNative('the native backend', () => {
  const tfjsOwn = kernelFuncs(tfjsWasmKernelNames);
  beforeAll(() => {
    tf.env().set('IS_TEST', true);
  });

  it('is what auto picks when the addon loads and no tfjs-node package is installed', async () => {
    const noNode = { ...realEnvironment, nvidiaGpuVisible: () => false, loadPackage: () => { throw Object.assign(new Error('Cannot find module'), { code: 'MODULE_NOT_FOUND' }); } };
    const auto = await initEngine({ backend: 'auto', log: quiet, environment: noNode, threads: 1 });
    expect(auto).toMatchObject({ requested: 'auto', backend: 'native', tfjsBackend: 'wasm' });
    expect(auto.skipped.map((s) => s.backend)).toEqual(['tensorflow-gpu', 'tensorflow']);
    await initEngine({ backend: 'wasm', log: quiet });
  });

  it('starts wasm with oneDNN kernels in place of its convolutions, and wasm afterwards gets its own kernels back', async () => {
    const lines: string[] = [];
    const native = await initEngine({ backend: 'native', log: (line) => lines.push(line), threads: 1 });
    expect(native).toMatchObject({ requested: 'native', backend: 'native', tfjsBackend: 'wasm' });
    // What results and logs record: native by our name, though tfjs calls its backend wasm.
    expect(currentBackend()).toBe('native');
    expect(lines).toEqual([expect.stringMatching(/^engine: backend native \(requested explicitly; oneDNN 2\.\d+\.\d+ \(omp, \w+, 1 thread\)\)$/)]);
    expect(requireSpecAddon().info().threads).toBe(1);
    const wasmOwn = nativeKernelNames.map((name) => wasmKernelConfig(name)?.kernelFunc);
    const nativeFuncs = kernelFuncs(nativeKernelNames);
    nativeFuncs.forEach((f, i) => expect(f).not.toBe(wasmOwn[i]));

    const wasm = await initEngine({ backend: 'wasm', log: quiet });
    expect(wasm).toMatchObject({ backend: 'wasm', tfjsBackend: 'wasm' });
    expect(currentBackend()).toBe('wasm');
    expect(kernelFuncs(tfjsWasmKernelNames)).toEqual(tfjsOwn);
    expect(kernelFuncs(nativeKernelNames)).toEqual(wasmOwn);
    expect(kernelFuncs(wasmTrainingKernelNames)).toEqual(wasmTrainingKernelNames.map((name) => wasmKernelConfig(name)?.kernelFunc));

    await initEngine({ backend: 'native', log: quiet });
    expect(kernelFuncs(nativeKernelNames)).toEqual(nativeFuncs);
    expect(requireSpecAddon().info().threads).toBe(availableParallelism());
    const x = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
    const y = tf.conv2d(x, tf.ones([3, 3, 2, 1]) as tf.Tensor4D, 1, 'same');
    expect(Array.from(y.dataSync()).slice(0, 3)).toEqual([8, 12, 12]);
    tf.dispose([x, y]);
    await initEngine({ backend: 'wasm', log: quiet });
  });

  it('runs in data-parallel workers, each with cores / workers oneDNN threads, to the gradients of one thread', async () => {
    const batch = convBatch(5, 'native-workers');
    await initEngine({ backend: 'cpu', log: quiet });
    const reference = await InProcessTrainer.create({ replica: convReplicaSpec({ seed: 'native-workers' }) });
    let expected: Float32Array[];
    try {
      await reference.step([batch], { learningRate: 0.1 });
      expected = await reference.weights();
    } finally {
      await reference.stop();
    }
    const trainer = await DataParallelTrainer.start({ workers: 2, backend: 'native', replica: convReplicaSpec({ seed: 'native-workers' }) });
    try {
      expect(trainer.backend).toBe('native');
      const summary = await trainer.step(splitBatch(batch, 2), { learningRate: 0.1 });
      expect(summary.metrics).toEqual({ nativeConv: 1, nativeThreads: Math.max(1, Math.floor(availableParallelism() / 2)) });
      const weights = await trainer.weights();
      expect(relativeError(weights[0], expected[0])).toBeLessThanOrEqual(1e-4);
    } finally {
      await trainer.stop();
    }
  });
});
