/**
 * The replica in the current thread, behind the same `ReplicaTrainer` interface as `DataParallelTrainer`: for
 * tfjs-node (CPU or GPU), whose kernels already use every core, and for one-core machines. Requests and replies
 * are structured-cloned as they would be between threads, so no array is shared with the backend's storage.
 */
import { ReplicaHost } from './replica-host';
import type { ReplicaSpec } from './replica';
import { ReplicaGroupTrainer, type ReplicaEndpoint } from './replica-trainer';
import { ReplicaError } from './trainer-errors';
import type { ReplyOf, WorkerReply, WorkerRequest } from './worker-protocol';

/** Options of `InProcessTrainer.create`. */
export interface InProcessOptions {
  /** The model module, loaded in this thread on the engine already started here (`initEngine`). */
  replica: ReplicaSpec;
}

class InProcessEndpoint implements ReplicaEndpoint {
  private readonly host = new ReplicaHost(false);
  private inFlight: { reject(error: Error): void } | undefined;

  request<T extends WorkerReply['type']>(request: WorkerRequest, expected: T): Promise<ReplyOf<T>> {
    if (this.inFlight) return Promise.reject(new ReplicaError(0, `a request is already in flight (${request.type} refused)`, { inProcess: true }));
    return new Promise<ReplyOf<T>>((resolve, reject) => {
      const flight = { reject };
      this.inFlight = flight;
      const done = (): boolean => {
        const current = this.inFlight === flight;
        if (current) this.inFlight = undefined;
        return current;
      };
      this.host.handle(structuredClone(request)).then(
        ({ reply }) => {
          if (!done()) return;
          if (reply.type !== expected) reject(new ReplicaError(0, `expected a '${expected}' reply, got '${reply.type}'`, { inProcess: true }));
          else resolve(structuredClone(reply) as ReplyOf<T>);
        },
        (error: unknown) => {
          if (!done()) return;
          const e = error instanceof Error ? error : new Error(String(error));
          reject(new ReplicaError(0, e.message, { replicaStack: e.stack, inProcess: true }));
        },
      );
    });
  }

  abort(error: Error): void {
    const flight = this.inFlight;
    this.inFlight = undefined;
    flight?.reject(error);
  }

  async close(): Promise<void> {
    this.host.dispose();
  }
}

/** Trains the replica in this thread; see the file comment and `ReplicaTrainer`. */
export class InProcessTrainer extends ReplicaGroupTrainer {
  private constructor() {
    super('InProcessTrainer', () => [new InProcessEndpoint()], 0);
  }

  /** Loads the replica module in this thread and builds its replica. */
  static async create(options: InProcessOptions): Promise<InProcessTrainer> {
    const trainer = new InProcessTrainer();
    try {
      await trainer.initialize({ type: 'init', replica: options.replica, backend: 'auto' });
      return trainer;
    } catch (error) {
      await trainer.stop();
      throw error;
    }
  }
}
