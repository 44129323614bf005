/** Engine configuration: which tfjs backend runs the model. */
import { z } from 'zod';

/**
 * `auto` takes the fastest backend available: tfjs-node-gpu > tfjs-node > wasm > cpu.
 * `tensorflow-gpu` and `tensorflow` need the optional `@tensorflow/tfjs-node-gpu` / `@tensorflow/tfjs-node`;
 * `native` (wasm with oneDNN convolutions) needs the addon tools/setup.sh builds, and only runs when asked for.
 */
export const engineBackendSchema = z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu']);

/** A backend name as the config and `--backend` take it. */
export type EngineBackend = z.infer<typeof engineBackendSchema>;

/** The engine section of the config tree. */
export const engineConfigSchema = z.strictObject({
  /** Backend to run on; an explicit choice that is not installed fails with how to install it. */
  backend: engineBackendSchema.default('auto'),
});

export type EngineConfig = z.infer<typeof engineConfigSchema>;
