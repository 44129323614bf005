/**
 * `npx nx run layers:bench-backbones`: parameters and multiply-adds per frame and per clip of every
 * registered backbone at its default input, counted from the built model's layer graph (`measureModel`:
 * convolutions and dense layers, the "FLOPs" convention of the ResNet/EfficientNet papers). Prints a
 * table and writes JSON (`--out`, default bench-results/backbones.json at the workspace root).
 *
 * Flags: --frames (frames per clip, default data.sampling.numFrames), --only=name,name (subset).
 */
import path from 'node:path';
import { dataConfigSchema, parseArgs, writeJsonAtomic } from '@a2d/core';
import { initEngine, tf } from '@a2d/engine';
import { BACKBONE_NAMES, createBackbone, isBackboneName, type BackboneName } from '../src/backbones/backbone';
import { measureModel } from '../src/backbones/model-cost';

interface Row {
  backbone: BackboneName;
  resolution: number;
  featureMap: number[];
  featureDim: number;
  trainableParameters: number;
  totalParameters: number;
  multiplyAddsPerFrame: number;
  multiplyAddsPerClip: number;
}

const workspaceRoot = path.resolve(__dirname, '..', '..', '..');

function measure(name: BackboneName, frames: number): Row {
  const backbone = createBackbone(name);
  const resolution = backbone.defaultResolution;
  const input = tf.input({ shape: [resolution, resolution, 3] });
  const { featureMap, pooled } = backbone.apply(input);
  const model = tf.model({ inputs: input, outputs: [featureMap, pooled] });
  try {
    const cost = measureModel(model);
    return {
      backbone: name,
      resolution,
      featureMap: featureMap.shape.slice(1).map((d) => d ?? -1),
      featureDim: backbone.featureDim,
      trainableParameters: cost.trainableParameters,
      totalParameters: cost.totalParameters,
      multiplyAddsPerFrame: cost.multiplyAdds,
      multiplyAddsPerClip: cost.multiplyAdds * frames,
    };
  } finally {
    model.dispose();
  }
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const frames = Number(flags.frames ?? dataConfigSchema.parse({}).sampling.numFrames);
  if (!Number.isInteger(frames) || frames <= 0) throw new RangeError(`--frames: expected a positive integer, got ${String(flags.frames)}`);
  const only = typeof flags.only === 'string' ? flags.only.split(',') : [...BACKBONE_NAMES];
  const unknown = only.filter((name) => !isBackboneName(name));
  if (unknown.length > 0) throw new RangeError(`--only: unknown backbone(s) ${unknown.join(', ')}; expected some of ${BACKBONE_NAMES.join(', ')}`);
  const out = path.resolve(workspaceRoot, String(flags.out ?? 'bench-results/backbones.json'));
  // Counting needs only the graph; the cpu backend builds the weights with no setup.
  await initEngine({ backend: 'cpu', log: () => undefined });

  const rows = (only as BackboneName[]).map((name) => measure(name, frames));
  const millions = (n: number) => (n / 1e6).toFixed(2);
  const giga = (n: number) => (n / 1e9).toFixed(3);
  console.log(`backbones at their default input, ${frames} frames per clip (multiply-adds of convolutions and dense layers)`);
  console.log(['backbone'.padEnd(16), 'input'.padStart(7), 'feature map'.padStart(13), 'params (M)'.padStart(11), 'GMACs/frame'.padStart(12), 'GMACs/clip'.padStart(11)].join(' '));
  for (const row of rows) {
    console.log(
      [
        row.backbone.padEnd(16),
        `${row.resolution}²`.padStart(7),
        row.featureMap.join('x').padStart(13),
        millions(row.trainableParameters).padStart(11),
        giga(row.multiplyAddsPerFrame).padStart(12),
        giga(row.multiplyAddsPerClip).padStart(11),
      ].join(' '),
    );
  }
  await writeJsonAtomic(out, {
    createdAt: new Date().toISOString(),
    framesPerClip: frames,
    counted: 'multiply-adds of Conv2D, DepthwiseConv2D and Dense layers per frame (batch norm, activations, pooling and adds excluded)',
    parameters: 'trainableParameters: trained weights; totalParameters: also batch-norm moving statistics',
    rows,
  });
  console.log(`wrote ${path.relative(process.cwd(), out) || out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
