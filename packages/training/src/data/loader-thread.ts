/**
 * Data loading on a worker thread, the way PyTorch's DataLoader uses worker processes: the `DataLoader`s (file
 * and frame-cache reads, CRC checks, augmentation, and optionally the float conversion) run on their own thread and
 * hand finished batches over (buffers transferred, not copied), so the model's thread only computes. On 2 cores
 * this overlaps the data path with the model: `evaluator:test` on the native backend went from 111-119 clips/s
 * with the loader on the model's thread to the figures in docs/benchmarks.md.
 *
 * Same batches as an in-thread `DataLoader` with the same options (the order and every draw depend only on the
 * seed, epoch and video), the same warnings (forwarded to the logger), the same `skipped` list, and the same
 * errors: one of our typed errors (`A2dError`, e.g. `AllVideosFailedError`) arrives as a `LoaderThreadError` with
 * its name and message, so a CLI still prints it as one line; anything else as an Error with the worker's stack.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { A2dError } from '@a2d/core';
import { videosPerBatchOf, type SkippedVideo } from '@a2d/ingest';
import type { LoaderReply, LoaderRequest, LoaderSpec, LoaderThreadBootstrap, SerializedError, ThreadBatch } from './loader-thread-protocol';

export type { LoaderSpec, LoaderTransformSpec, ThreadBatch } from './loader-thread-protocol';

/** One of our typed errors, raised by a loader on the worker thread (`originalName` is its class). */
export class LoaderThreadError extends A2dError {
  constructor(
    readonly originalName: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a consumer of batches needs: `DataLoader` has it, and so does a loader on a `LoaderThread`. */
export interface BatchSource {
  /** Videos that failed to decode (each listed once, in the order they failed). */
  readonly skipped: readonly SkippedVideo[];
  /** Videos per batch. */
  readonly videosPerBatch: number;
  batches(epoch?: number, startPosition?: number): AsyncGenerator<ThreadBatch>;
}

function workerEntry(): { file: string; execArgv: string[] } {
  const js = path.join(__dirname, 'loader-thread-worker.js');
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: path.join(__dirname, 'loader-thread-worker.ts'), execArgv: ['--require', require.resolve('tsx/cjs')] };
}

function revive(error: SerializedError): Error {
  if (error.typed) return new LoaderThreadError(error.name, error.message);
  const revived = new Error(`${error.message} (on the loader thread)`);
  revived.name = error.name;
  if (error.stack) revived.stack = `${revived.name}: ${revived.message}\n--- loader thread ---\n${error.stack}`;
  return revived;
}

type IterationEvent = { type: 'batch'; batch: ThreadBatch } | { type: 'done' } | { type: 'error'; error: Error };

/** A worker thread running named `DataLoader`s; `loader(name)` gives a `BatchSource` for each. */
export class LoaderThread {
  private readonly queues = new Map<number, { events: IterationEvent[]; wake?: () => void }>();
  private readonly skippedByLoader = new Map<string, SkippedVideo[]>();
  private nextId = 1;
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly specs: Map<string, LoaderSpec>,
    private readonly logger: { warn(line: string): void },
  ) {
    for (const name of specs.keys()) this.skippedByLoader.set(name, []);
    worker.on('message', (reply: LoaderReply) => this.onReply(reply));
    worker.on('error', (error) => this.fail(error instanceof Error ? error : new Error(String(error))));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`the loader thread exited unexpectedly (code ${code})`));
    });
  }

  /** Starts the thread with `loaders` (built in order; `shareSourceWith` names an earlier one) and waits until they are built. */
  static async start(loaders: Record<string, LoaderSpec>, logger: { warn(line: string): void } = console): Promise<LoaderThread> {
    const entry = workerEntry();
    const bootstrap: LoaderThreadBootstrap = { loaders: Object.entries(loaders) };
    const worker = new Worker(entry.file, { execArgv: entry.execArgv, workerData: bootstrap });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (reply: LoaderReply) => {
        if (reply.type !== 'ready' && reply.type !== 'failed') return;
        cleanup();
        if (reply.type === 'ready') {
          resolve();
        } else {
          void worker.terminate();
          reject(revive(reply.error));
        }
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`the loader thread exited while starting (code ${code})`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    return new LoaderThread(worker, new Map(Object.entries(loaders)), logger);
  }

  /** The loader named `name` (as given to `start`). */
  loader(name: string): BatchSource {
    const spec = this.specs.get(name);
    if (!spec) throw new RangeError(`LoaderThread: no loader named ${name} (have ${[...this.specs.keys()].join(', ')})`);
    const skipped = this.skippedByLoader.get(name) as SkippedVideo[];
    return {
      skipped,
      videosPerBatch: videosPerBatchOf(spec.data, spec.mode),
      batches: (epoch = 0, startPosition = 0) => this.iterate(name, spec, epoch, startPosition),
    };
  }

  /** Stops the thread (pending iterations end with an error). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }

  private post(request: LoaderRequest, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(request, transfer);
  }

  private async *iterate(name: string, spec: LoaderSpec, epoch: number, startPosition: number): AsyncGenerator<ThreadBatch> {
    if (this.closed) throw new Error('LoaderThread: closed');
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    const queue: { events: IterationEvent[]; wake?: () => void } = { events: [] };
    this.queues.set(id, queue);
    // The consumer holds one batch while `prefetch` more are prepared, as an in-thread DataLoader does.
    this.post({ type: 'start', id, loader: name, epoch, startPosition, credit: spec.data.loader.prefetch + 1 });
    let finished = false;
    try {
      for (;;) {
        while (queue.events.length === 0) await new Promise<void>((resolve) => (queue.wake = resolve));
        const event = queue.events.shift() as IterationEvent;
        if (event.type === 'done') {
          finished = true;
          return;
        }
        if (event.type === 'error') {
          finished = true;
          throw event.error;
        }
        yield event.batch;
        // Asked for the next batch: this one is done with, and its floats buffer goes back to be filled again.
        const recycle = event.batch.floats?.buffer as ArrayBuffer | undefined;
        if (recycle && recycle.byteLength > 0) this.post({ type: 'credit', id, recycle }, [recycle]);
        else this.post({ type: 'credit', id });
      }
    } finally {
      this.queues.delete(id);
      if (!finished && !this.closed) this.post({ type: 'close', id });
    }
  }

  private push(id: number, event: IterationEvent): void {
    const queue = this.queues.get(id);
    if (!queue) return;
    queue.events.push(event);
    queue.wake?.();
    queue.wake = undefined;
  }

  private onReply(reply: LoaderReply): void {
    switch (reply.type) {
      case 'ready':
      case 'failed':
        return;
      case 'warn':
        this.logger.warn(reply.line);
        return;
      case 'skipped':
        this.skippedByLoader.get(reply.loader)?.push(reply.video);
        return;
      case 'batch':
        this.push(reply.id, { type: 'batch', batch: reply.batch });
        return;
      case 'done':
        this.push(reply.id, { type: 'done' });
        return;
      case 'error':
        this.push(reply.id, { type: 'error', error: revive(reply.error) });
        return;
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const id of [...this.queues.keys()]) this.push(id, { type: 'error', error });
  }
}
