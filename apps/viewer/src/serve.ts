/**
 * `npx nx run viewer:serve --experiment-name=<name> [--port=8080] [--host=127.0.0.1] [viewer:build's flags]`:
 * builds the viewer folder for the experiment's model and serves it on localhost until interrupted (Ctrl-C).
 */
import { ConfigError, numberFlag, parseCommandLine, runCommandLine, stringFlag } from '@a2d/core';
import { initEngine } from '@a2d/engine';
import { findExperiment } from '@a2d/training';
import { BUILD_COMMAND_LINE, viewerExperimentsDir } from './build';
import { buildViewer } from './build-viewer';
import { serveFolder, type StaticServer } from './static-server';

/** viewer:serve's command line: viewer:build's, and where to listen. */
export const SERVE_COMMAND_LINE = {
  ...BUILD_COMMAND_LINE,
  name: 'viewer:serve',
  summary: "builds the viewer folder for an experiment's model (as viewer:build) and serves it until interrupted (Ctrl-C)",
  flags: BUILD_COMMAND_LINE.flags.extend({
    port: numberFlag()
      .refine((value) => Number.isInteger(value) && value >= 0 && value <= 65535, { message: 'expected a port number 0-65535 (0: any free port)' })
      .default(8080)
      .describe('the port (0: any free one)'),
    host: stringFlag().default('127.0.0.1').describe('the address to listen on'),
  }),
};

/** Builds and starts serving with `env`'s `A2D_*` variables (default `process.env`); resolves with the running server. */
export async function runServeCommand(argv: readonly string[], log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<StaticServer> {
  const { flags, overrides } = parseCommandLine(argv, SERVE_COMMAND_LINE, { env });
  const experimentDir = findExperiment(viewerExperimentsDir(env, overrides), flags.experimentName);
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
  void runCommandLine(SERVE_COMMAND_LINE, async () => {
    const server = await runServeCommand(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
    });
    await server.close();
  }).then((code) => process.exit(code));
}
