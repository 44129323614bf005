/** Test helper: the artifacts a model's `save` writes, captured in memory instead of on disk. */
import { tf } from '@a2d/engine';

/** Runs `save` against an in-memory handler and returns what it wrote. */
export async function inMemory(save: (handler: tf.io.IOHandler) => Promise<tf.io.SaveResult>): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('nothing was saved');
  return saved;
}
