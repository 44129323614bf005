/**
 * `npx nx run viewer:serve --experiment-name=<name> [--port=8080] [--host=127.0.0.1] [viewer:build's flags]`:
 * builds the viewer folder for the experiment's model and serves it on localhost until interrupted (Ctrl-C).
 */
import { z } from 'zod';
import { ConfigError, numberFlag, parseCommandLine, runCommandLine, stringFlag } from '@a2d/core';
import { initEngine } from '@a2d/engine';
import { findExperiment } from '@a2d/training';
import { buildViewer } from './build-viewer';
import { serveFolder, type StaticServer } from './static-server';
import { viewerFlags } from './viewer-flags';

/** The usage printed after a command-line mistake. */
export const SERVE_USAGE =
  'usage: npx nx run viewer:serve --experiment-name=<name> [--port=8080] [--host=127.0.0.1] [--experiments-dir=experiments] [--checkpoint=<folder>] [--ema] [--out=<dir>]';

const serveFlagsSchema = z.object({
  ...viewerFlags,
  port: numberFlag()
    .refine((value) => Number.isInteger(value) && value >= 0 && value <= 65535, { message: 'expected a port number 0-65535 (0: any free port)' })
    .default(8080),
  host: stringFlag().default('127.0.0.1'),
});

/** Builds and starts serving; resolves with the running server. */
export async function runServeCommand(argv: readonly string[], log: (line: string) => void): Promise<StaticServer> {
  const { flags } = parseCommandLine(argv, { flags: serveFlagsSchema, configOverrides: false });
  const experimentDir = findExperiment(flags.experimentsDir, flags.experimentName);
  await initEngine({ backend: 'auto', log: () => undefined });
  const built = await buildViewer({ experimentDir, checkpoint: flags.checkpoint, ema: flags.ema, outDir: flags.out, log });
  let server: StaticServer;
  try {
    server = await serveFolder(built.outDir, { host: flags.host, port: flags.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ConfigError([{ path: 'port', message: `${flags.host}:${flags.port} is already in use (pick another --port, or --port=0 for any free one)` }], 'command line');
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new ConfigError([{ path: 'host', message: `cannot listen on '${flags.host}' (${code})` }], 'command line');
    throw error;
  }
  log(`viewer:serve: open ${server.url} (Ctrl-C stops)`);
  return server;
}

if (require.main === module) {
  void runCommandLine('viewer:serve', SERVE_USAGE, async () => {
    const server = await runServeCommand(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
    });
    await server.close();
  }).then((code) => process.exit(code));
}
