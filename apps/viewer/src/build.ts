/**
 * `npx nx run viewer:build --experiment-name=<name> [--experiments-dir=experiments] [--checkpoint=<folder>] [--ema]
 * [--out=<dir>]`: writes the self-contained viewer folder (default `<experiment>/viewer`) that any static host can
 * serve: the page, tfjs, the experiment's model and its model card.
 */
import { z } from 'zod';
import { a2dConfigSchema, loadConfig, parseCommandLine, runCommandLine, type ConfigTree } from '@a2d/core';
import { initEngine } from '@a2d/engine';
import { findExperiment } from '@a2d/training';
import { buildViewer, type BuiltViewer } from './build-viewer';
import { viewerFlags } from './viewer-flags';

/**
 * viewer:build's command line (viewer:serve's extends it). The one config key is where experiments are: the model
 * and its input settings ship as the checkpoint saved them.
 */
export const BUILD_COMMAND_LINE = {
  name: 'viewer:build',
  summary: "writes the self-contained viewer folder for an experiment's model (the page, tfjs, the model and its model card) that any static host can serve",
  flags: z.object({
    experimentName: viewerFlags.experimentName.describe('the experiment: a folder of experiment.dir').meta({ placeholder: 'name' }),
    checkpoint: viewerFlags.checkpoint.describe('a checkpoint folder to ship instead of <experiment>/checkpoints/best').meta({ placeholder: 'dir' }),
    ema: viewerFlags.ema.describe("ship the checkpoint's EMA weights"),
    out: viewerFlags.out.describe('the folder to write (default: <experiment>/viewer)').meta({ placeholder: 'dir' }),
  }),
  aliases: { experimentsDir: 'experiment.dir' },
  configKeys: ['experiment.dir'],
  configHint: 'the model and its input settings ship as the checkpoint saved them',
};

/** The experiments folder: `--experiments-dir`, `--experiment.dir` or `A2D_EXPERIMENT__DIR`, else the default. */
export function viewerExperimentsDir(env: NodeJS.ProcessEnv, overrides: ConfigTree): string {
  return loadConfig(a2dConfigSchema, { env, overrides }).experiment.dir;
}

/** Runs the command with `env`'s `A2D_*` variables (default `process.env`); `log` receives its progress lines. */
export async function runBuildCommand(argv: readonly string[], log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<BuiltViewer> {
  const { flags, overrides } = parseCommandLine(argv, BUILD_COMMAND_LINE, { env });
  const experimentDir = findExperiment(viewerExperimentsDir(env, overrides), flags.experimentName);
  // The checkpoint is loaded once in Node (checked against its manifest) before it is shipped.
  await initEngine({ backend: 'auto', log: () => undefined });
  return buildViewer({ experimentDir, checkpoint: flags.checkpoint, ema: flags.ema, outDir: flags.out, log });
}

if (require.main === module) {
  void runCommandLine(BUILD_COMMAND_LINE, async () => {
    const built = await runBuildCommand(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
    process.stdout.write(`serve it with any static server, or: npx nx run viewer:serve --experiment-name=${built.card.experiment}\n`);
  }).then((code) => process.exit(code));
}
