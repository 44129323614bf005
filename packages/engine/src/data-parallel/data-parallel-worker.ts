/**
 * Worker-thread entry of `DataParallelTrainer`: its own tfjs engine and wasm instance, one replica,
 * and a loop answering the trainer's requests (gradients of a shard, applying averaged gradients).
 */
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import { initEngine, tf } from '../index';
import type { Replica, TensorPayload } from './replica';
import type { WorkerReply, WorkerRequest } from './worker-protocol';

if (!parentPort) throw new Error('data-parallel-worker: must run in a worker thread');
const port = parentPort;
let replica: Replica | undefined;

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function toTensors(shard: Record<string, TensorPayload>): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(shard).map(([name, p]) => [name, tf.tensor(p.values, p.shape, p.dtype)]));
}

function current(): Replica {
  if (!replica) throw new Error('data-parallel-worker: no replica yet (init first)');
  return replica;
}

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.type) {
    case 'init': {
      await initEngine({ backend: request.backend, log: () => undefined });
      // require, not import(): under the tsx require hook a .ts replica module loads the same way as a .js one.
      const loaded = createRequire(__filename)(request.replica.module) as Record<string, unknown>;
      const factory = loaded[request.replica.exportName ?? 'createReplica'];
      if (typeof factory !== 'function') throw new Error(`${request.replica.module} has no export ${request.replica.exportName ?? 'createReplica'}`);
      replica = (await (factory as (options: unknown) => Replica | Promise<Replica>)(request.replica.options)) as Replica;
      reply({ type: 'ready', backend: tf.getBackend(), shapes: replica.variables.map((v) => v.shape.slice()) });
      return;
    }
    case 'getWeights': {
      const values = current().variables.map((v) => v.dataSync() as Float32Array);
      reply({ type: 'weights', values }, values.map((v) => v.buffer as ArrayBuffer));
      return;
    }
    case 'setWeights': {
      const variables = current().variables;
      tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(request.values[i], v.shape))));
      reply({ type: 'done' });
      return;
    }
    case 'gradients': {
      const r = current();
      const examples = Object.values(request.shard)[0]?.shape[0] ?? 0;
      // Read values out inside tidy but return nothing from it: tidy walks its result, and walking a
      // 10-million-element typed array as a tensor container takes tens of seconds.
      let loss = NaN;
      let gradients: Float32Array[] = [];
      tf.tidy(() => {
        const inputs = toTensors(request.shard);
        const { value, grads } = tf.variableGrads(() => r.loss(inputs), r.variables);
        loss = value.dataSync()[0];
        gradients = r.variables.map((v) => grads[v.name].dataSync() as Float32Array);
      });
      const result = { loss, gradients };
      reply({ type: 'gradients', loss: result.loss, examples, gradients: result.gradients }, result.gradients.map((g) => g.buffer as ArrayBuffer));
      return;
    }
    case 'apply': {
      const r = current();
      tf.tidy(() => r.optimizer.applyGradients(r.variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(request.gradients[i], v.shape) }))));
      reply({ type: 'done' });
      return;
    }
    case 'predict': {
      const r = current();
      if (!r.predict) throw new Error('data-parallel-worker: the replica has no predict()');
      let output: TensorPayload | undefined;
      tf.tidy(() => {
        const out = r.predict?.(toTensors(request.shard));
        if (!out) throw new Error('data-parallel-worker: predict() returned nothing');
        output = { values: out.dataSync() as Float32Array, shape: out.shape.slice(), dtype: 'float32' };
      });
      if (!output) throw new Error('data-parallel-worker: predict() produced no output');
      reply({ type: 'prediction', output }, [output.values.buffer as ArrayBuffer]);
      return;
    }
  }
}

port.on('message', (request: WorkerRequest) => {
  handle(request).catch((error: unknown) => reply({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
});
