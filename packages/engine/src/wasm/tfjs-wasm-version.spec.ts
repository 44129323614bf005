import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { A2dError } from '@a2d/core';
import { assertSupportedTfjsWasmVersion, SUPPORTED_TFJS_WASM_VERSION, UnsupportedTfjsVersionError } from './tfjs-wasm-version';
import { registerWasmTrainingKernels, wasmTrainingKernelNames } from './training-kernels';

const workspace = path.resolve(__dirname, '../../../..');

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('assertSupportedTfjsWasmVersion', () => {
  it('accepts exactly the supported version', () => {
    expect(() => assertSupportedTfjsWasmVersion(SUPPORTED_TFJS_WASM_VERSION)).not.toThrow();
    expect(() => assertSupportedTfjsWasmVersion('4.22.0', '4.22.0')).not.toThrow();
  });

  it.each(['4.22.1', '4.23.0', '4.21.0', '5.0.0', '4.22.0-rc.0', ''])('refuses %p with one line naming the expected and the found version', (found) => {
    const error = caught(() => assertSupportedTfjsWasmVersion(found, '4.22.0'));
    expect(error).toBeInstanceOf(UnsupportedTfjsVersionError);
    expect(error).toBeInstanceOf(A2dError);
    const { message } = error as UnsupportedTfjsVersionError;
    expect(message).toContain(`@tensorflow/tfjs-backend-wasm ${found} is installed`);
    expect(message).toContain('need exactly 4.22.0');
    expect(message).not.toContain('\n');
    expect(error).toMatchObject({ found, expected: '4.22.0' });
  });
});

describe('the tfjs version the kernels run on', () => {
  it('is the installed one, and every workspace package.json pins the tfjs packages to exactly it', () => {
    expect(version_wasm).toBe(SUPPORTED_TFJS_WASM_VERSION);
    expect(tf.version.tfjs).toBe(SUPPORTED_TFJS_WASM_VERSION);
    const manifests = ['.', ...['packages', 'apps'].flatMap((dir) => readdirSync(path.join(workspace, dir)).map((name) => `${dir}/${name}`))]
      .map((dir) => path.join(workspace, dir, 'package.json'))
      .filter((file) => existsSync(file));
    const pins: Record<string, string> = {};
    for (const file of manifests) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string> | undefined>;
      for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
        for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
          if (name.startsWith('@tensorflow/')) pins[`${path.relative(workspace, file)} ${field} ${name}`] = spec;
        }
      }
    }
    expect(pins).toMatchObject({
      'packages/engine/package.json dependencies @tensorflow/tfjs': SUPPORTED_TFJS_WASM_VERSION,
      'packages/engine/package.json dependencies @tensorflow/tfjs-backend-wasm': SUPPORTED_TFJS_WASM_VERSION,
    });
    expect(Object.entries(pins).filter(([, spec]) => spec !== SUPPORTED_TFJS_WASM_VERSION)).toEqual([]);
    // The lockfile agrees with the manifests (npm ci would refuse otherwise, but only at install time).
    const lock = JSON.parse(readFileSync(path.join(workspace, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string> }> };
    expect(lock.packages['packages/engine']?.dependencies).toMatchObject({
      '@tensorflow/tfjs': SUPPORTED_TFJS_WASM_VERSION,
      '@tensorflow/tfjs-backend-wasm': SUPPORTED_TFJS_WASM_VERSION,
    });
  });
});

describe('registerWasmTrainingKernels on another tfjs version', () => {
  it('refuses and registers nothing; on the installed version it registers every kernel', () => {
    const before = wasmTrainingKernelNames.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    const error = caught(() => registerWasmTrainingKernels('4.23.0'));
    expect(error).toBeInstanceOf(UnsupportedTfjsVersionError);
    expect((error as Error).message).toMatch(/^@tensorflow\/tfjs-backend-wasm 4\.23\.0 is installed, but .* need exactly 4\.22\.0 /);
    expect(wasmTrainingKernelNames.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc)).toEqual(before);

    expect(registerWasmTrainingKernels()).toEqual(wasmTrainingKernelNames);
    expect(wasmTrainingKernelNames.every((name) => tf.getKernel(name, 'wasm') !== undefined)).toBe(true);
  });
});
