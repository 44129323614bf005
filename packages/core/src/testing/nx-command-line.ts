/**
 * What `nx run <project>:<target> ...argv` hands on to the target's command, computed by Nx's own command-line
 * parser (the installed `nx`, in-process): the way to test that a documented flag survives Nx without spawning it.
 */
import path from 'node:path';
import { workspaceRoot } from './reference-fixture';

interface YargsLike {
  parserConfiguration(config: Record<string, boolean>): YargsLike;
  command(module: Record<string, unknown>): YargsLike;
  help(enabled: boolean): YargsLike;
  version(enabled: boolean): YargsLike;
  parse(): unknown;
}

/** The arguments Nx passes to the command of `project:target` when the user types `nx run project:target ...argv`. */
export function nxForwardedArgs(project: string, target: string, argv: readonly string[]): string[] {
  const nxDist = path.join(workspaceRoot(), 'node_modules', 'nx', 'dist', 'src', 'command-line');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { yargsRunCommand } = require(path.join(nxDist, 'run', 'command-object.js')) as { yargsRunCommand: Record<string, unknown> };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const shared = require(path.join(nxDist, 'yargs-utils', 'shared-options.js')) as {
    defaultYargsParserConfiguration: Record<string, boolean>;
    withOverrides(args: Record<string, unknown>): { __overrides_unparsed__: string[] };
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yargs = require(require.resolve('yargs', { paths: [path.join(workspaceRoot(), 'node_modules', 'nx')] })) as (args: string[]) => YargsLike;
  let forwarded: string[] | undefined;
  yargs(['run', `${project}:${target}`, ...argv])
    .parserConfiguration(shared.defaultYargsParserConfiguration)
    .command({ ...yargsRunCommand, handler: (args: Record<string, unknown>) => (forwarded = shared.withOverrides(args).__overrides_unparsed__) })
    .help(false)
    .version(false)
    .parse();
  if (!forwarded) throw new Error(`nx's parser did not run the command for ${project}:${target}`);
  return forwarded.map(String);
}

/** The `nx` process's argument vector for that command line (as `/proc/<pid>/cmdline` shows it). */
export function nxProcessArgv(project: string, target: string, argv: readonly string[]): string[] {
  return ['node', path.join(workspaceRoot(), 'node_modules', '.bin', 'nx'), 'run', `${project}:${target}`, ...argv];
}
