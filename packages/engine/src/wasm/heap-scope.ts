/**
 * Scratch memory of one kernel call. Blocks are tensors the C++ side knows by id (so XNNPACK can read
 * and write them) but tfjs's engine does not; `dispose()` frees every block and view, so a kernel call
 * leaves the heap and the backend's tensor count as it found them.
 */
import type { DataId } from '@tensorflow/tfjs';
import { f32Region, type WasmBackend } from './wasm-backend';

/** A float32 region of the heap registered under a C++ tensor id. */
export interface HeapBlock {
  /** C++ tensor id, what exported kernels take. */
  readonly id: number;
  /** Index of the first element in a float32 heap view. */
  readonly offset: number;
  /** Number of float32 elements. */
  readonly size: number;
}

interface Entry {
  dataId: DataId;
  id: number;
  owned: boolean;
}

/** Allocations of one kernel call, released together. */
export class HeapScope {
  private readonly entries = new Map<number, Entry>();

  constructor(readonly backend: WasmBackend) {}

  /** Allocates `size` float32 elements (uninitialised). */
  allocate(size: number): HeapBlock {
    const info = this.backend.makeOutput([Math.max(1, size)], 'float32');
    const data = this.backend.dataIdMap.get(info.dataId);
    if (!data) throw new Error('HeapScope: wasm backend lost a fresh allocation');
    this.entries.set(data.id, { dataId: info.dataId, id: data.id, owned: true });
    return { id: data.id, offset: data.memoryOffset >>> 2, size };
  }

  /** Allocates `size` float32 elements set to zero. */
  allocateZeros(size: number): HeapBlock {
    const block = this.allocate(size);
    f32Region(this.backend.wasm, block.offset, size).fill(0);
    return block;
  }

  /**
   * Registers `size` elements starting at float index `offset` (inside another tensor) under a fresh id,
   * without copying. XNNPACK caches packed weights per id, so a view is how a slice becomes a matmul operand.
   */
  view(offset: number, size: number): HeapBlock {
    const info = this.backend.makeOutput([Math.max(1, size)], 'float32', offset * 4);
    const data = this.backend.dataIdMap.get(info.dataId);
    if (!data) throw new Error('HeapScope: wasm backend lost a fresh view');
    this.entries.set(data.id, { dataId: info.dataId, id: data.id, owned: false });
    return { id: data.id, offset, size };
  }

  /** Releases one block or view now (to bound peak memory in loops). */
  release(block: HeapBlock): void {
    const entry = this.entries.get(block.id);
    if (!entry) return;
    this.entries.delete(block.id);
    this.releaseEntry(entry);
  }

  /** Releases everything still held. */
  dispose(): void {
    for (const entry of this.entries.values()) this.releaseEntry(entry);
    this.entries.clear();
  }

  private releaseEntry(entry: Entry): void {
    if (entry.owned) {
      this.backend.disposeData(entry.dataId, true);
    } else {
      // A view owns no memory: drop the bookkeeping (and the XNNPACK operators cached on its id), free nothing.
      this.backend.dataIdMap.delete(entry.dataId);
      this.backend.wasm.tfjs.disposeData(entry.id);
    }
  }
}
