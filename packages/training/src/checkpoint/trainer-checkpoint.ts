/**
 * The contents of a training checkpoint and their files:
 *   manifest.json            sizes + SHA-256 of everything below (written last; see `CheckpointStore`)
 *   training-state.json      where the run is (`TrainingState`)
 *   replicas.json + .bin     every replica's state (weights incl. batch-norm statistics, AdamW moments and step,
 *                            EMA, dropout/drop-path stream positions), tensors packed in one binary file
 *   model/                   the live weights as a tfjs LayersModel (what the evaluator loads)
 *   ema-model/               the EMA weights as a LayersModel, when EMA is on
 *   config.json              the experiment's resolved config, so a copied checkpoint folder stands alone
 */
import { z } from 'zod';
import type { ReplicaState, TensorPayload, TrainerState } from '@a2d/engine';
import { CheckpointError } from './checkpoint-error';
import type { CheckpointFiles } from './checkpoint-store';
import { trainingStateSchema, type TrainingState } from '../training-state';

const tensorIndexSchema = z.object({
  offset: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32']),
});

const replicasIndexSchema = z.object({
  stepCount: z.number().int().nonnegative(),
  replicas: z.array(z.object({ tensors: z.record(z.string(), tensorIndexSchema), json: z.unknown() })),
});

/** Packs the trainer's state into `replicas.json` (index) and `replicas.bin` (every tensor, 4-byte aligned). */
export function packTrainerState(state: TrainerState): { index: string; data: Uint8Array } {
  let bytes = 0;
  for (const replica of state.replicas) for (const tensor of Object.values(replica.tensors)) bytes += tensor.values.length * 4;
  const data = new Uint8Array(bytes);
  let offset = 0;
  const replicas = state.replicas.map((replica) => {
    const tensors: Record<string, z.infer<typeof tensorIndexSchema>> = {};
    for (const [name, tensor] of Object.entries(replica.tensors)) {
      data.set(new Uint8Array(tensor.values.buffer, tensor.values.byteOffset, tensor.values.length * 4), offset);
      tensors[name] = { offset, length: tensor.values.length, shape: tensor.shape, dtype: tensor.dtype };
      offset += tensor.values.length * 4;
    }
    return { tensors, json: replica.json };
  });
  return { index: JSON.stringify({ stepCount: state.stepCount, replicas }), data };
}

/** Unpacks `packTrainerState` output; a bad index or a tensor past the data names the checkpoint. */
export function unpackTrainerState(dir: string, index: Buffer, data: Buffer): TrainerState {
  let parsed: z.infer<typeof replicasIndexSchema>;
  try {
    parsed = replicasIndexSchema.parse(JSON.parse(index.toString('utf8')));
  } catch (error) {
    throw new CheckpointError(dir, `invalid index (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`, 'replicas.json');
  }
  // A copy aligned for the typed arrays (a Buffer from readFile may start at any offset of its pool).
  const aligned = new Uint8Array(data.length);
  aligned.set(data);
  const replicas: ReplicaState[] = parsed.replicas.map((replica) => {
    const tensors: Record<string, TensorPayload> = {};
    for (const [name, entry] of Object.entries(replica.tensors)) {
      if (entry.offset + entry.length * 4 > aligned.length) throw new CheckpointError(dir, `tensor ${name} lies past the end of the data`, 'replicas.bin');
      const slice = aligned.buffer.slice(entry.offset, entry.offset + entry.length * 4);
      tensors[name] = { values: entry.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice), shape: entry.shape, dtype: entry.dtype };
    }
    return { tensors, json: replica.json };
  });
  return { stepCount: parsed.stepCount, replicas };
}

/** Everything a training checkpoint holds, in memory. */
export interface TrainerCheckpoint {
  training: TrainingState;
  trainer: TrainerState;
  /** `model/` files (model.json, weights.bin). */
  model: { modelJson: string; weights: Uint8Array };
  /** `ema-model/` files, when EMA is on. */
  emaModel?: { modelJson: string; weights: Uint8Array };
  /** The experiment's config.json text. */
  configJson: string;
}

/** The files of a checkpoint. */
export function checkpointFiles(checkpoint: TrainerCheckpoint): CheckpointFiles {
  const { index, data } = packTrainerState(checkpoint.trainer);
  const files: CheckpointFiles = {
    'training-state.json': `${JSON.stringify(checkpoint.training, null, 1)}\n`,
    'replicas.json': index,
    'replicas.bin': data,
    'model/model.json': checkpoint.model.modelJson,
    'model/weights.bin': checkpoint.model.weights,
    'config.json': checkpoint.configJson,
  };
  if (checkpoint.emaModel) {
    files['ema-model/model.json'] = checkpoint.emaModel.modelJson;
    files['ema-model/weights.bin'] = checkpoint.emaModel.weights;
  }
  return files;
}

/** Reads the resumable parts of a verified checkpoint's files. */
export function readTrainerCheckpoint(dir: string, files: Map<string, Buffer>): { training: TrainingState; trainer: TrainerState } {
  const need = (name: string) => {
    const file = files.get(name);
    if (!file) throw new CheckpointError(dir, 'missing from the checkpoint', name);
    return file;
  };
  let training: TrainingState;
  try {
    training = trainingStateSchema.parse(JSON.parse(need('training-state.json').toString('utf8')));
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(dir, `invalid (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`, 'training-state.json');
  }
  return { training, trainer: unpackTrainerState(dir, need('replicas.json'), need('replicas.bin')) };
}
