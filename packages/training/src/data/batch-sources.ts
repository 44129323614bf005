/**
 * The loaders of a run or an evaluation, built from specs: on a worker thread (`data.loader.thread`, the default)
 * or on this thread. Either way each is a `BatchSource` giving the same batches, warnings and skipped lists.
 */
import { buildTestTransform, buildTrainTransform } from '@a2d/augment';
import { DataLoader } from '@a2d/ingest';
import { LoaderThread, type BatchSource } from './loader-thread';
import type { LoaderSpec, ThreadBatch } from './loader-thread-protocol';

/** Named loaders and how to stop them. */
export interface BatchSources {
  loader(name: string): BatchSource;
  /** Stops the loader thread, if any (idempotent). */
  close(): Promise<void>;
}

/** Builds the `DataLoader`s of `specs` in order on the calling thread (what the loader thread runs, too). */
export function buildLoaders(specs: readonly [string, LoaderSpec][], logger: { warn(line: string): void }): Map<string, DataLoader> {
  const loaders = new Map<string, DataLoader>();
  for (const [name, spec] of specs) {
    const transform = spec.transform === undefined ? undefined : spec.transform.kind === 'train' ? buildTrainTransform(spec.transform.augment) : buildTestTransform(spec.transform.augment);
    const shared = spec.shareSourceWith === undefined ? undefined : loaders.get(spec.shareSourceWith);
    if (spec.shareSourceWith !== undefined && !shared) throw new RangeError(`loader ${name}: shareSourceWith names no earlier loader (${spec.shareSourceWith})`);
    loaders.set(name, new DataLoader({ records: spec.records, data: spec.data, temporal: spec.temporal, mode: spec.mode, seed: spec.seed, transform, logger, source: shared?.source }));
  }
  return loaders;
}

/** The loaders of `specs` on a worker thread when `thread` is true, else on this thread. */
export async function openBatchSources(specs: Record<string, LoaderSpec>, options: { thread: boolean; logger: { warn(line: string): void } }): Promise<BatchSources> {
  if (options.thread) {
    const thread = await LoaderThread.start(specs, options.logger);
    return { loader: (name) => thread.loader(name), close: () => thread.close() };
  }
  const loaders = buildLoaders(Object.entries(specs), options.logger);
  return {
    loader: (name) => {
      const loader = loaders.get(name);
      if (!loader) throw new RangeError(`no loader named ${name} (have ${[...loaders.keys()].join(', ')})`);
      return loader;
    },
    close: async () => undefined,
  };
}

/**
 * `source` with its epoch-`epoch` iteration started now: the first batch loads while the caller does something else
 * (loads the model), and the first `batches(epoch)` call continues that iteration. Other calls are the source's own.
 */
export function startEarly(source: BatchSource, epoch = 0): BatchSource {
  let early: AsyncGenerator<ThreadBatch> | undefined = source.batches(epoch);
  const first = early.next();
  first.catch(() => undefined); // surfaces where the iteration is consumed
  async function* continued(iterator: AsyncGenerator<ThreadBatch>): AsyncGenerator<ThreadBatch> {
    const head = await first;
    if (head.done) return;
    yield head.value;
    yield* iterator;
  }
  return {
    get skipped() {
      return source.skipped;
    },
    videosPerBatch: source.videosPerBatch,
    batches: (requested = 0, startPosition = 0) => {
      if (early && requested === epoch && startPosition === 0) {
        const iterator = early;
        early = undefined;
        return continued(iterator);
      }
      return source.batches(requested, startPosition);
    },
  };
}
