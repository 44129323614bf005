/**
 * Spec support: a worker thread that plays one replica of `SharedBatchStatisticsReducer` through a scripted plan
 * (`ReducerWorkerPlan` as `workerData`): it runs step i when told (as the trainer sends one request per step, the
 * next only once every replica answered) and posts one `ReducerWorkerResult` for it. Start it with `startReducerWorker`.
 */
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { SharedBatchStatisticsReducer, type SharedReducerOptions } from '../data-parallel/batch-statistics-reducer';

/** One reduction: per-channel moments (first = mean, second = variance) or two per-channel sums. */
export interface PlannedReduction {
  kind: 'moments' | 'sums';
  count: number;
  first: number[];
  second: number[];
}

/** One step of the plan. */
export interface PlannedStep {
  replicas: number;
  update: number;
  /** The trainer's gradients-request count (grows with every step). */
  batch: number;
  reductions: PlannedReduction[];
  /** Throw (ending the step as failed) after this many reductions. */
  failAfter?: number;
}

/** What the worker is started with. */
export interface ReducerWorkerPlan {
  reducer: SharedReducerOptions;
  steps: PlannedStep[];
}

/** One step's outcome: the reductions' results, or the error that ended it. */
export interface ReducerWorkerResult {
  update: number;
  results: { count: number; first: Float64Array; second: Float64Array }[];
  error?: { name: string; message: string };
}

/** Runs one step as the replica host runs a gradients request: the step ends (`endStep`) before the answer goes out. */
function runStep(reducer: SharedBatchStatisticsReducer, step: PlannedStep): ReducerWorkerResult {
  const outcome: ReducerWorkerResult = { update: step.update, results: [] };
  reducer.beginStep(step.replicas, step.update, step.batch);
  let succeeded = false;
  try {
    for (const [i, r] of step.reductions.entries()) {
      if (step.failAfter === i) throw new Error(`planned failure after ${i} reductions`);
      if (r.kind === 'moments') {
        const m = reducer.reduceMoments({ count: r.count, mean: r.first, variance: r.second });
        outcome.results.push({ count: m.count, first: m.mean, second: m.variance });
      } else {
        outcome.results.push(reducer.reduceSums(r.count, r.first, r.second));
      }
    }
    succeeded = true;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    outcome.error = { name: e.name, message: e.message };
  } finally {
    reducer.endStep(succeeded);
  }
  return outcome;
}

if (!isMainThread && parentPort && (workerData as { reducerPlan?: ReducerWorkerPlan } | null)?.reducerPlan) {
  const port = parentPort;
  const plan = (workerData as { reducerPlan: ReducerWorkerPlan }).reducerPlan;
  const reducer = new SharedBatchStatisticsReducer(plan.reducer);
  port.on('message', (step: number) => {
    port.postMessage(runStep(reducer, plan.steps[step]));
    if (step === plan.steps.length - 1) port.close();
  });
}

/** A worker playing one replica's plan. */
export interface ReducerWorker {
  worker: Worker;
  /** Runs step `index` of the plan and resolves with its result. */
  runStep(index: number): Promise<ReducerWorkerResult>;
}

/** Starts a worker playing `plan`. */
export function startReducerWorker(plan: ReducerWorkerPlan): ReducerWorker {
  const worker = new Worker(path.join(__dirname, 'batch-statistics-worker.ts'), { execArgv: ['--require', require.resolve('tsx/cjs')], workerData: { reducerPlan: plan } });
  let failure: Error | undefined;
  const waiting = new Set<(error: Error) => void>();
  const fail = (error: Error) => {
    failure ??= error;
    for (const reject of waiting) reject(error);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`reducer worker exited with code ${code}`)));
  return {
    worker,
    runStep: (index) =>
      new Promise<ReducerWorkerResult>((resolve, reject) => {
        if (failure) return reject(failure);
        waiting.add(reject);
        worker.once('message', (result: ReducerWorkerResult) => {
          waiting.delete(reject);
          resolve(result);
        });
        worker.postMessage(index);
      }),
  };
}

/** Runs every step of the workers' plans in lock step (step i + 1 only after every worker answered step i), as the trainer does. */
export async function runInLockStep(workers: ReducerWorker[], steps: number): Promise<ReducerWorkerResult[][]> {
  const results: ReducerWorkerResult[][] = workers.map(() => []);
  for (let i = 0; i < steps; i++) {
    const answers = await Promise.all(workers.map((w) => w.runStep(i)));
    answers.forEach((answer, k) => results[k].push(answer));
  }
  return results;
}
