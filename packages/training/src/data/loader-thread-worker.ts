/**
 * The worker side of `LoaderThread`: builds the `DataLoader`s of its bootstrap and runs their batches (file reads,
 * frame-cache checks, augmentation, float conversion) on this thread, sending each batch with its buffers
 * transferred, at most the consumer's credit ahead.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { A2dError } from '@a2d/core';
import { clipBatchToFloat } from '@a2d/augment';
import type { DataLoader } from '@a2d/ingest';
import { buildLoaders } from './batch-sources';
import type { LoaderReply, LoaderRequest, LoaderSpec, LoaderThreadBootstrap, SerializedError, ThreadBatch } from './loader-thread-protocol';

const port = parentPort;
if (!port) throw new Error('loader-thread-worker.ts runs as a worker thread (started by LoaderThread)');

const send = (reply: LoaderReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
const logger = { warn: (line: string) => send({ type: 'warn', line }) };

const { loaders: specs } = workerData as LoaderThreadBootstrap;
const loaders = new Map<string, { loader: DataLoader; spec: LoaderSpec; sentSkipped: number }>();
let startError: SerializedError | undefined;
try {
  const built = buildLoaders(specs, logger);
  for (const [name, spec] of specs) loaders.set(name, { loader: built.get(name) as DataLoader, spec, sentSkipped: 0 });
} catch (error) {
  startError = serialize(error);
}

interface Iteration {
  credit: number;
  closed: boolean;
  /** Wakes the iteration waiting for credit (or for its close). */
  wake?: () => void;
}
const iterations = new Map<number, Iteration>();
/** Float buffers the consumer gave back, reused for later batches of the same size. */
const spareFloats: ArrayBuffer[] = [];
const MAX_SPARE_FLOATS = 8;

function floatBuffer(count: number): Float32Array {
  const at = spareFloats.findIndex((buffer) => buffer.byteLength === count * 4);
  return at >= 0 ? new Float32Array(spareFloats.splice(at, 1)[0]) : new Float32Array(count);
}

function serialize(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack, typed: error instanceof A2dError };
  return { name: 'Error', message: String(error), typed: false };
}

/** Sends the videos a loader skipped since the last call (before the batch or end that follows them). */
function sendSkipped(name: string): void {
  const entry = loaders.get(name);
  if (!entry) return;
  for (const video of entry.loader.skipped.slice(entry.sentSkipped)) send({ type: 'skipped', loader: name, video });
  entry.sentSkipped = entry.loader.skipped.length;
}

async function run(id: number, name: string, epoch: number, startPosition: number, iteration: Iteration): Promise<void> {
  const entry = loaders.get(name);
  if (!entry) throw new Error(`no loader named ${name}`);
  const batches = entry.loader.batches(epoch, startPosition);
  try {
    for await (const batch of batches) {
      while (iteration.credit <= 0 && !iteration.closed) await new Promise<void>((resolve) => (iteration.wake = resolve));
      if (iteration.closed) break;
      iteration.credit--;
      sendSkipped(name);
      const sent: ThreadBatch = batch;
      const transfer: ArrayBuffer[] = [batch.frames.buffer as ArrayBuffer];
      if (entry.spec.floats) {
        sent.floats = clipBatchToFloat(batch.frames, batch.shape, entry.spec.floats, floatBuffer(batch.frames.length));
        transfer.push(sent.floats.buffer as ArrayBuffer);
      }
      send({ type: 'batch', id, batch: sent }, transfer);
    }
    sendSkipped(name);
    if (!iteration.closed) send({ type: 'done', id });
  } finally {
    iterations.delete(id);
  }
}

port.on('message', (request: LoaderRequest) => {
  if (request.type === 'start') {
    const iteration: Iteration = { credit: request.credit, closed: false };
    iterations.set(request.id, iteration);
    run(request.id, request.loader, request.epoch, request.startPosition, iteration).catch((error: unknown) => {
      sendSkipped(request.loader);
      send({ type: 'error', id: request.id, error: serialize(error) });
    });
    return;
  }
  if (request.type === 'credit' && request.recycle && spareFloats.length < MAX_SPARE_FLOATS) spareFloats.push(request.recycle);
  const iteration = iterations.get(request.id);
  if (!iteration) return;
  if (request.type === 'credit') iteration.credit++;
  else iteration.closed = true;
  iteration.wake?.();
  iteration.wake = undefined;
});
if (startError) {
  send({ type: 'failed', error: startError });
  port.close();
} else {
  send({ type: 'ready' });
}
