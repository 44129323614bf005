/**
 * `npx nx run viewer:build --experiment-name=<name> [--experiments-dir=experiments] [--checkpoint=<folder>] [--ema]
 * [--out=<dir>]`: writes the self-contained viewer folder (default `<experiment>/viewer`) that any static host can
 * serve: the page, tfjs, the experiment's model and its model card.
 */
import { z } from 'zod';
import { parseCommandLine, runCommandLine } from '@a2d/core';
import { initEngine } from '@a2d/engine';
import { findExperiment } from '@a2d/training';
import { buildViewer, type BuiltViewer } from './build-viewer';
import { viewerFlags } from './viewer-flags';

/** The usage printed after a command-line mistake. */
export const BUILD_USAGE =
  'usage: npx nx run viewer:build --experiment-name=<name> [--experiments-dir=experiments] [--checkpoint=<folder>] [--ema] [--out=<dir>]';

/** Runs the command; `log` receives its progress lines. */
export async function runBuildCommand(argv: readonly string[], log: (line: string) => void): Promise<BuiltViewer> {
  const { flags } = parseCommandLine(argv, { flags: z.object(viewerFlags), configOverrides: false });
  const experimentDir = findExperiment(flags.experimentsDir, flags.experimentName);
  // The checkpoint is loaded once in Node (checked against its manifest) before it is shipped.
  await initEngine({ backend: 'auto', log: () => undefined });
  return buildViewer({ experimentDir, checkpoint: flags.checkpoint, ema: flags.ema, outDir: flags.out, log });
}

if (require.main === module) {
  void runCommandLine('viewer:build', BUILD_USAGE, async () => {
    const built = await runBuildCommand(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
    process.stdout.write(`serve it with any static server, or: npx nx run viewer:serve --experiment-name=${built.card.experiment}\n`);
  }).then((code) => process.exit(code));
}
