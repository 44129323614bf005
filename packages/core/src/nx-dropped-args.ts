/**
 * Flags that Nx kept for itself. `nx run <project>:<target> --flag=value` parses the command line with yargs before
 * running the target, and yargs-parser takes a flag whose name *begins* with one of Nx's own options followed by a
 * non-word character as that option (`--batch-size=8` is read as Nx's `--batch`, `--verbose-x` as `--verbose`):
 * the flag never reaches our command, and the run goes on silently without it. Nx records the pid of the `nx`
 * process that ran the task in `NX_INVOCATION_ANCESTOR_PIDS`; on Linux its command line is readable in
 * `/proc/<pid>/cmdline`, so a command can see what the user typed and take back the flags that are its own.
 */
import { readFileSync } from 'node:fs';

/** Reads the argument vector of process `pid` (undefined where it cannot be read, e.g. no `/proc`). */
export type ProcessArgvReader = (pid: number) => string[] | undefined;

/** `/proc/<pid>/cmdline` split on NUL (Linux); undefined elsewhere or when the process is gone. */
export const readProcessArgv: ProcessArgvReader = (pid) => {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const parts = text.split('\0');
    if (parts[parts.length - 1] === '') parts.pop();
    return parts;
  } catch {
    return undefined;
  }
};

/** A flag the user gave to `nx run` that did not reach the command. */
export interface DroppedFlag {
  /** The flag as typed, e.g. `--batch-size=8` (or `--batch-size 8` as two words). */
  typed: string;
  /** Its name without dashes, as typed (`batch-size`). */
  name: string;
  /** Its value, written as `--name=value` or `--name value` (Nx drops both words); `true` for a bare flag. */
  value: string | true;
}

/**
 * The user's arguments to the target, from the `nx` command line: the words after `<project>:<target>` (`nx run
 * p:t ...`) or after the target and project words (`nx t p ...`); undefined when this is not such a command line
 * (e.g. `nx run-many`), so nothing is guessed.
 */
export function targetArgsOfNxArgv(nxArgv: readonly string[], project: string, target: string): string[] | undefined {
  const spec = nxArgv.findIndex((word) => word === `${project}:${target}` || word.startsWith(`${project}:${target}:`));
  if (spec >= 0) return nxArgv.slice(spec + 1);
  const targetAt = nxArgv.findIndex((word, i) => word === target && nxArgv[i + 1] === project);
  if (targetAt >= 0) return nxArgv.slice(targetAt + 2);
  return undefined;
}

/** The flag name of an argument (`--batch-size=8` -> `batch-size`), or undefined for a non-flag word. */
function flagNameOf(word: string): string | undefined {
  if (!word.startsWith('--') || word === '--') return undefined;
  const body = word.slice(2);
  const eq = body.indexOf('=');
  return eq >= 0 ? body.slice(0, eq) : body;
}

/**
 * The flags of ours (`isOurs(name)`) that the user gave to the `nx` process running this task but that are not in
 * `argv` (what Nx passed on). Empty when this process was not started by `nx run`, or where the `nx` command line
 * cannot be read.
 */
export function findFlagsDroppedByNx(
  argv: readonly string[],
  isOurs: (name: string) => boolean,
  env: NodeJS.ProcessEnv = process.env,
  readArgv: ProcessArgvReader = readProcessArgv,
): DroppedFlag[] {
  const project = env.NX_TASK_TARGET_PROJECT;
  const target = env.NX_TASK_TARGET_TARGET;
  const pids = (env.NX_INVOCATION_ANCESTOR_PIDS ?? '').split(',').map((p) => Number(p.trim())).filter((p) => Number.isInteger(p) && p > 0);
  if (!project || !target || pids.length === 0) return [];
  const received = new Set(argv.map(flagNameOf).filter((name): name is string => name !== undefined));
  for (const pid of pids) {
    const nxArgv = readArgv(pid);
    const typed = nxArgv && targetArgsOfNxArgv(nxArgv, project, target);
    if (!typed) continue;
    const dropped: DroppedFlag[] = [];
    for (let i = 0; i < typed.length; i++) {
      const word = typed[i];
      if (word === '--') break; // after `--` Nx passes every word on as it is
      const name = flagNameOf(word);
      if (name === undefined || received.has(name) || !isOurs(name)) continue;
      const eq = word.indexOf('=');
      if (eq >= 0) dropped.push({ typed: word, name, value: word.slice(eq + 1) });
      else if (i + 1 < typed.length && !typed[i + 1].startsWith('--')) {
        dropped.push({ typed: `${word} ${typed[i + 1]}`, name, value: typed[i + 1] });
        i++;
      } else dropped.push({ typed: word, name, value: true });
    }
    return dropped;
  }
  return [];
}
