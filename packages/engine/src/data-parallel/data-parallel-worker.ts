/**
 * Worker-thread entry of `DataParallelTrainer`: its own tfjs engine and wasm instance, one replica (a
 * `ReplicaHost`), and a loop answering the trainer's requests one at a time. With several workers it installs the
 * reducer that synchronises batch-norm statistics with the other replicas (`workerData`: `WorkerBootstrap`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SharedBatchStatisticsReducer, setBatchStatisticsReducer } from './batch-statistics-reducer';
import { ReplicaHost } from './replica-host';
import type { ReplyEnvelope, RequestEnvelope, WorkerBootstrap } from './worker-protocol';

if (!parentPort) throw new Error('data-parallel-worker: must run in a worker thread');
const port = parentPort;
const bootstrap = workerData as WorkerBootstrap | undefined;
if (bootstrap?.batchStatistics) setBatchStatisticsReducer(new SharedBatchStatisticsReducer(bootstrap.batchStatistics));
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
