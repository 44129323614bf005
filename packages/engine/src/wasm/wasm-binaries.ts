/** Where the wasm backend finds its `.wasm` binaries in Node (it defaults to a browser-relative URL). */
import path from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let configured = false;

/** Points the wasm backend at the binaries shipped in the installed `@tensorflow/tfjs-backend-wasm` (once). */
export function useInstalledWasmBinaries(): void {
  if (configured) return;
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(`${dist}${path.sep}`);
  configured = true;
}
