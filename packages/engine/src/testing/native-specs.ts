/**
 * Spec support for the native (oneDNN) kernels: the addon when it loads, else a `describe.skip` whose title and
 * one console line name what is missing (libdnnl-dev, or the addon not built), so the suite passes without it.
 */
import { loadNativeAddon, type NativeAddon } from '../native/native-addon';
import { registerNativeKernels } from '../native/native-kernels';
import { startCpuAndWasm } from './backend-pair';

const load = loadNativeAddon();
let warned = false;

/** The addon, or undefined when native specs skip. */
export const specAddon: NativeAddon | undefined = load.addon;

/** `describe` when the addon loads; otherwise `describe.skip`, with the reason in the title and printed once. */
export function describeNative(title: string, body: () => void): void {
  if (load.addon) {
    describe(title, body);
    return;
  }
  if (!warned) {
    console.warn(`native specs skipped: ${load.reason}`);
    warned = true;
  }
  describe.skip(`${title} (skipped: ${load.reason})`, body);
}

/** The addon; throws outside `describeNative` (where it always loaded). */
export function requireSpecAddon(): NativeAddon {
  if (!load.addon) throw new Error(load.reason);
  return load.addon;
}

/** Starts cpu and wasm (with our training kernels), then puts the native kernels in place of wasm's convolutions. */
export async function startCpuAndNative(): Promise<NativeAddon> {
  await startCpuAndWasm();
  const addon = requireSpecAddon();
  registerNativeKernels(addon);
  return addon;
}
