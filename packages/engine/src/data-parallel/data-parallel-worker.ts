/**
 * Worker-thread entry of `DataParallelTrainer`: its own tfjs engine and wasm instance, one replica (a
 * `ReplicaHost`), and a loop answering the trainer's requests one at a time.
 */
import { parentPort } from 'node:worker_threads';
import { ReplicaHost } from './replica-host';
import type { ReplyEnvelope, RequestEnvelope } from './worker-protocol';

if (!parentPort) throw new Error('data-parallel-worker: must run in a worker thread');
const port = parentPort;
const host = new ReplicaHost(true);

async function answer({ id, request }: RequestEnvelope): Promise<void> {
  try {
    const { reply, transfer } = await host.handle(request);
    port.postMessage({ id, reply } satisfies ReplyEnvelope, transfer);
  } catch (error: unknown) {
    const reply = error instanceof Error ? { type: 'error' as const, message: error.message, stack: error.stack } : { type: 'error' as const, message: String(error) };
    port.postMessage({ id, reply } satisfies ReplyEnvelope);
  }
}

port.on('message', (envelope: RequestEnvelope) => void answer(envelope));
