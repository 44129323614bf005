/**
 * Runs one replica and answers the trainer's requests: the body of a data-parallel worker, and of the in-process
 * trainer. Every array it hands out is a fresh copy: on the cpu backend `dataSync()` returns the backend's own
 * storage, and transferring (or later mutating) that array would corrupt the variable it belongs to.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../init-engine';
import { withBatchStatisticsStep } from './batch-statistics-reducer';
import type { BatchPayload, Replica, ReplicaSpec, StepContext, TensorPayload } from './replica';
import type { WorkerReply, WorkerRequest } from './worker-protocol';

/** A reply and the buffers that may be transferred with it (all owned by nobody else). */
export interface HostAnswer {
  reply: WorkerReply;
  transfer: ArrayBuffer[];
}

/** Loads `spec.module` and builds its replica. */
export async function loadReplica(spec: ReplicaSpec): Promise<Replica> {
  const exportName = spec.exportName ?? 'createReplica';
  // require, not import(): under the tsx require hook a .ts replica module loads the same way as a .js one.
  const loaded = createRequire(__filename)(spec.module) as Record<string, unknown>;
  const factory = loaded[exportName];
  if (typeof factory !== 'function') throw new Error(`${spec.module} has no export ${exportName}`);
  const replica = (await (factory as (options: unknown) => Replica | Promise<Replica>)(spec.options)) as Replica;
  if (!replica || !Array.isArray(replica.variables) || replica.variables.length === 0) {
    throw new Error(`${spec.module}: ${exportName}() returned no replica with trainable variables`);
  }
  return replica;
}

function toTensors(shard: BatchPayload): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(shard).map(([name, p]) => [name, tf.tensor(p.values, p.shape, p.dtype)]));
}

function float32Copy(tensor: tf.Tensor): Float32Array {
  if (tensor.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${tensor.dtype}`);
  return (tensor.dataSync() as Float32Array).slice();
}

/** A copy of `tensor` as a payload (bool becomes int32). */
export function toPayload(tensor: tf.Tensor, name: string): TensorPayload {
  if (tensor.dtype === 'float32') return { values: float32Copy(tensor), shape: tensor.shape.slice(), dtype: 'float32' };
  if (tensor.dtype === 'int32' || tensor.dtype === 'bool') return { values: Int32Array.from(tensor.dataSync() as ArrayLike<number>), shape: tensor.shape.slice(), dtype: 'int32' };
  throw new Error(`${name}: cannot send a ${tensor.dtype} tensor (float32, int32 or bool only)`);
}

function assignAll(variables: tf.Variable[], values: ArrayLike<number>[], what: string): void {
  if (values.length !== variables.length) throw new Error(`${what}: got ${values.length} arrays for ${variables.length} variables`);
  variables.forEach((v, i) => {
    if (values[i].length !== v.size) throw new Error(`${what}: array ${i} has ${values[i].length} values, variable ${v.name} [${v.shape.join(', ')}] has ${v.size}`);
  });
  tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(values[i] as Float32Array | Int32Array, v.shape, v.dtype))));
}

function checksumOf(variables: tf.Variable[]): string {
  let crc = 0;
  for (const v of variables) {
    const values = v.dataSync() as Float32Array | Int32Array;
    crc = crc32(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), crc);
  }
  return (crc >>> 0).toString(16).padStart(8, '0');
}

/** V8's full garbage collection, reachable without `--expose-gc` on the command line (flags are process-wide). */
function fullGarbageCollection(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

/** One replica and its request handler (see the file comment). */
export class ReplicaHost {
  private replica: Replica | undefined;
  private collectGarbage: { every: number; run: () => void } | undefined;

  /** `startsEngine`: a worker thread initializes its own tfjs engine on `init`; the in-process host uses the caller's. */
  constructor(private readonly startsEngine: boolean) {}

  /** Answers one request; throws what the replica throws. */
  async handle(request: WorkerRequest): Promise<HostAnswer> {
    if (request.type === 'init') {
      if (this.replica) throw new Error('the replica is already initialized');
      // The engine's name for what runs (`native` is tfjs's `wasm` with oneDNN kernels), so records say which ran.
      const engine = this.startsEngine ? await initEngine({ backend: request.backend, threads: request.threads, log: () => undefined }) : undefined;
      this.replica = await loadReplica(request.replica);
      if (request.collectGarbageEvery) this.collectGarbage = { every: request.collectGarbageEvery, run: fullGarbageCollection() };
      return { reply: { type: 'ready', backend: engine?.backend ?? tf.getBackend(), shapes: this.replica.variables.map((v) => v.shape.slice()) }, transfer: [] };
    }
    const r = this.replica;
    if (!r) throw new Error('no replica yet (init first)');
    switch (request.type) {
      case 'getWeights': {
        const values = r.variables.map(float32Copy);
        return { reply: { type: 'weights', values }, transfer: values.map((v) => v.buffer as ArrayBuffer) };
      }
      case 'setWeights':
        assignAll(r.variables, request.values, 'setWeights');
        return { reply: { type: 'done' }, transfer: [] };
      case 'getBuffers': {
        const values = (r.buffers ?? []).map((b) => toPayload(b, b.name));
        return { reply: { type: 'buffers', values }, transfer: values.map((v) => v.values.buffer as ArrayBuffer) };
      }
      case 'setBuffers':
        assignAll(r.buffers ?? [], request.values.map((p) => p.values), 'setBuffers');
        return { reply: { type: 'done' }, transfer: [] };
      case 'gradients':
        return withBatchStatisticsStep(request, () => this.gradients(r, request.shard, request.context));
      case 'apply': {
        const { gradients, learningRate, step } = request;
        if (gradients.length !== r.variables.length) throw new Error(`apply: got ${gradients.length} gradients for ${r.variables.length} variables`);
        tf.tidy(() => r.applyGradients(r.variables.map((v, i) => tf.tensor(gradients[i], v.shape, 'float32')), learningRate, step));
        if (this.collectGarbage && step % this.collectGarbage.every === 0) this.collectGarbage.run();
        return { reply: { type: 'done' }, transfer: [] };
      }
      case 'predict':
        return this.predict(r, request.shard, request.context);
      case 'getState':
        // Not transferred: a replica may hand out arrays it still uses; the structured clone copies them.
        return { reply: { type: 'state', state: r.getState() }, transfer: [] };
      case 'setState':
        tf.tidy(() => r.setState(request.state));
        return { reply: { type: 'done' }, transfer: [] };
      case 'checksum':
        return { reply: { type: 'checksum', variables: checksumOf(r.variables), buffers: r.buffers?.length ? checksumOf(r.buffers) : null }, transfer: [] };
    }
  }

  /** Frees the replica's tensors. */
  dispose(): void {
    this.replica?.dispose?.();
    this.replica = undefined;
  }

  private gradients(r: Replica, shard: BatchPayload, context: StepContext): HostAnswer {
    const examples = Object.values(shard)[0]?.shape[0] ?? 0;
    // Read values out inside tidy but return nothing from it: tidy walks its result, and walking a
    // 10-million-element typed array as a tensor container takes tens of seconds.
    let loss = NaN;
    let gradients: Float32Array[] = [];
    tf.tidy(() => {
      const inputs = toTensors(shard);
      const { value, grads } = tf.variableGrads(() => r.loss(inputs, context), r.variables);
      loss = value.dataSync()[0];
      // A variable the loss does not reach has no gradient (undefined, or null when not trainable): zeros.
      gradients = r.variables.map((v) => {
        const g = grads[v.name];
        return g ? float32Copy(g) : new Float32Array(v.size);
      });
    });
    const metrics = r.lastMetrics?.() ?? {};
    return { reply: { type: 'gradients', loss, examples, metrics, gradients }, transfer: gradients.map((g) => g.buffer as ArrayBuffer) };
  }

  private predict(r: Replica, shard: BatchPayload, context: StepContext): HostAnswer {
    if (!r.predict) throw new Error('the replica has no predict()');
    let outputs: Record<string, TensorPayload> = {};
    tf.tidy(() => {
      const out = r.predict?.(toTensors(shard), context);
      if (!out || typeof out !== 'object') throw new Error('predict() returned no named outputs');
      outputs = Object.fromEntries(Object.entries(out).map(([name, t]) => [name, toPayload(t, `predict() output ${name}`)]));
    });
    return { reply: { type: 'prediction', outputs }, transfer: Object.values(outputs).map((p) => p.values.buffer as ArrayBuffer) };
  }
}
