import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BackendUnavailableError } from './backend-unavailable-error';
import { initEngine, type EngineEnvironment } from './init-engine';

function missing(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack: ...`), { code: 'MODULE_NOT_FOUND' });
}

/**
 * A machine where only the packages in `installed` load; each registers the `tensorflow` backend as tfjs-node does.
 * Its native addon is not built (native-engine.spec covers a machine where it is).
 */
function machine(installed: string[], gpu: boolean, loads: string[] = []): EngineEnvironment {
  return {
    loadNativeAddon: () => ({ path: '/test-machine/a2d_dnnl.node', reason: 'the native addon is not built (test machine)' }),
    loadPackage(name) {
      loads.push(name);
      if (!installed.includes(name)) throw missing(name);
      if (!tf.findBackendFactory('tensorflow')) tf.registerBackend('tensorflow', () => new MathBackendCPU(), 0);
      return {};
    },
    nvidiaGpuVisible: () => gpu,
  };
}

const quiet = () => undefined;

describe('initEngine', () => {
  afterEach(() => {
    if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
  });

  it('auto picks wasm when neither tfjs-node package is installed, and says why', async () => {
    const lines: string[] = [];
    const info = await initEngine({ backend: 'auto', log: (line) => lines.push(line), environment: machine([], false) });
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.skipped).toEqual([
      { backend: 'tensorflow-gpu', reason: expect.stringContaining('no NVIDIA GPU') },
      { backend: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed' },
      { backend: 'native', reason: 'the native addon is not built (test machine)' },
    ]);
    expect(lines).toEqual([expect.stringMatching(/^engine: backend wasm \(auto: fastest available \(tensorflow-gpu: no NVIDIA GPU.*tensorflow: @tensorflow\/tfjs-node is not installed; native: the native addon is not built \(test machine\)\)\)$/)]);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('auto prefers tfjs-node over wasm, and tfjs-node-gpu over tfjs-node when a GPU is visible', async () => {
    const cpuOnly = await initEngine({ log: quiet, environment: machine(['@tensorflow/tfjs-node'], false) });
    expect(cpuOnly).toMatchObject({ backend: 'tensorflow', tfjsBackend: 'tensorflow' });
    tf.removeBackend('tensorflow');
    const loads: string[] = [];
    const gpu = await initEngine({ log: quiet, environment: machine(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'], true, loads) });
    expect(gpu).toMatchObject({ backend: 'tensorflow-gpu', tfjsBackend: 'tensorflow', skipped: [] });
    expect(loads).toEqual(['@tensorflow/tfjs-node-gpu']);
  });

  it('skips a package that loads but registers no backend with this tfjs', async () => {
    const environment: EngineEnvironment = { ...machine([], false), loadPackage: () => ({}) };
    const info = await initEngine({ log: quiet, environment });
    expect(info.backend).toBe('wasm');
    expect(info.skipped[1].reason).toMatch(/registered no 'tensorflow' backend .*\(install version 4\.22\.0 /);
  });

  it('fails an explicit request for a missing backend with how to install it', async () => {
    const request = initEngine({ backend: 'tensorflow', log: quiet, environment: machine([], false) });
    await expect(request).rejects.toThrow(BackendUnavailableError);
    await expect(initEngine({ backend: 'tensorflow', log: quiet, environment: machine([], false) })).rejects.toThrow(
      /backend 'tensorflow' is not available: @tensorflow\/tfjs-node is not installed\nInstall it with: npm install --no-save @tensorflow\/tfjs-node@4\.22\.0 .*allowScripts/,
    );
    await expect(initEngine({ backend: 'tensorflow-gpu', log: quiet, environment: machine([], true) })).rejects.toThrow(
      /tfjs-node-gpu is not installed\nInstall it with: npm install --no-save @tensorflow\/tfjs-node-gpu@4\.22\.0 .*CUDA 11\.2.*cuDNN 8\.1/,
    );
    await expect(initEngine({ backend: 'tensorflow-gpu', log: quiet, environment: machine(['@tensorflow/tfjs-node-gpu'], false) })).rejects.toThrow(
      /no NVIDIA GPU is visible/,
    );
  });

  it('reports a package whose native part fails to load with its error', async () => {
    const environment: EngineEnvironment = {
      loadPackage: () => {
        throw new Error('libcudart.so.11.0: cannot open shared object file\nmore');
      },
      nvidiaGpuVisible: () => true,
    };
    await expect(initEngine({ backend: 'tensorflow-gpu', log: quiet, environment })).rejects.toThrow(
      /@tensorflow\/tfjs-node-gpu failed to load: libcudart\.so\.11\.0: cannot open shared object file\n/,
    );
  });

  it('starts an explicitly requested cpu backend', async () => {
    const info = await initEngine({ backend: 'cpu', log: quiet, environment: machine([], false) });
    expect(info).toMatchObject({ requested: 'cpu', backend: 'cpu', reason: 'requested explicitly', tfjsVersion: tf.version.tfjs });
    expect(tf.getBackend()).toBe('cpu');
  });
});
