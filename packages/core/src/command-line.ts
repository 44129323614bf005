/**
 * The one command-line runner of every CLI: flags parsed through a zod schema (unknown flags named, with the
 * closest known one suggested), dotted config overrides (`--data.root=x`) and aliases (`--backend` ->
 * `engine.backend`) collected for `loadConfig`, and `runCommandLine`, which prints our typed errors as one line,
 * the usage after a command-line mistake, and sets the exit code.
 */
import { z } from 'zod';
import { A2dError, ConfigError } from './errors';
import { parseScalar, setPath, tokenizeArgs, type ConfigTree } from './config/load';
import { closestName } from './closest-name';
import { findFlagsDroppedByNx, readProcessArgv, type ProcessArgvReader } from './nx-dropped-args';

/** `--experiment-name` (or the spec's `--experiment_name`) -> `experimentName`. */
export function camelCaseFlag(flag: string): string {
  return flag.replace(/[-_]([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** `experimentName` -> `--experiment-name`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A string flag (`--out=dir`); a bare `--out` is an error. */
export const stringFlag = () => z.string({ message: 'expected a value (--flag=value)' }).min(1, { message: 'expected a non-empty value' });

/** A boolean flag: `--resume`, `--resume=true`, `--resume=false`. */
export const booleanFlag = () =>
  z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')], { message: 'expected true or false' });

/** A number flag (`--epochs=3`). */
export const numberFlag = () => z.coerce.number({ message: 'expected a number' }).refine(Number.isFinite, { message: 'expected a finite number' });

/** A repeatable string flag (`--video=a.mp4 --video=b.mp4`), always an array. */
export const listFlag = () =>
  z.preprocess((value) => (Array.isArray(value) ? value : [value]), z.array(stringFlag()).min(1));

/** What a command accepts. */
export interface CommandLineSpec<S extends z.ZodObject> {
  /** Flags that are not config paths, keyed in camelCase (`experimentName` is `--experiment-name`). */
  flags: S;
  /** Flags that set a config path, e.g. `{ backend: 'engine.backend', epochs: 'train.epochs' }` (camelCase keys). */
  aliases?: Readonly<Record<string, string>>;
  /** Whether dotted config paths (`--data.root=x`) are accepted (default true). */
  configOverrides?: boolean;
  /** Whether positional arguments are accepted (default false). */
  positional?: boolean;
}

/** A parsed command line. */
export interface ParsedCommandLine<S extends z.ZodObject> {
  /** The validated flags. */
  flags: z.output<S>;
  /** Config overrides from dotted paths and aliases, for `loadConfig({ overrides })`. */
  overrides: ConfigTree;
  positional: string[];
}

/** Where `parseCommandLine` looks for flags that `nx run` kept for itself (tests pass their own). */
export interface CommandLineContext {
  /** The environment (default `process.env`): `NX_INVOCATION_ANCESTOR_PIDS` and the task's project and target. */
  env?: NodeJS.ProcessEnv;
  /** Reads a process's arguments (default `/proc/<pid>/cmdline`). */
  readArgv?: ProcessArgvReader;
}

/** Whether `schema` takes a list (a repeatable flag such as `listFlag()`). */
function acceptsList(schema: z.ZodType): boolean {
  return schema.safeParse(['a', 'b']).success;
}

/**
 * Parses `--key=value`, `--key value` and bare `--flag` arguments against `spec` (`--snake_case` names are read as
 * `--kebab-case`). Every problem (unknown flag, bad value, a flag given twice, unexpected argument) is collected
 * into one `ConfigError` with source `command line`. Under `nx run`, flags of ours that Nx's own parser swallowed
 * (e.g. `--batch-size`, taken by yargs for Nx's `--batch`) are read back from the `nx` command line, so every
 * documented flag reaches the command.
 */
export function parseCommandLine<S extends z.ZodObject>(argv: readonly string[], spec: CommandLineSpec<S>, context: CommandLineContext = {}): ParsedCommandLine<S> {
  const aliases = spec.aliases ?? {};
  const known = [...Object.keys(spec.flags.shape), ...Object.keys(aliases)];
  const isOurs = (name: string) => (name.includes('.') ? spec.configOverrides !== false : known.includes(camelCaseFlag(name)));
  const dropped = findFlagsDroppedByNx(argv, isOurs, context.env ?? process.env, context.readArgv ?? readProcessArgv);
  const args = [...argv, ...dropped.map(({ name, value }) => (value === true ? `--${name}` : `--${name}=${value}`))];
  const raw: Record<string, unknown> = {};
  const overrides: ConfigTree = {};
  const positional: string[] = [];
  const problems: { path: string; message: string }[] = [];
  // Where each flag and config path was set, so one given twice is named instead of silently overwritten.
  const seen = new Map<string, string[]>();
  const note = (id: string, typed: string) => seen.set(id, [...(seen.get(id) ?? []), typed]);
  for (const token of tokenizeArgs(args)) {
    if ('positional' in token) {
      positional.push(token.positional);
      continue;
    }
    const { name, value } = token;
    const key = name.includes('.') ? name : camelCaseFlag(name);
    const typed = value === true ? `--${name}` : `--${name}=${value}`;
    const configPath = aliases[key] ?? (name.includes('.') && spec.configOverrides !== false ? name : undefined);
    if (configPath) {
      note(`config:${configPath}`, typed);
      setPath(overrides, configPath, value === true ? true : parseScalar(value));
    } else if (key in spec.flags.shape) {
      if (!acceptsList(spec.flags.shape[key] as z.ZodType)) note(`flag:${key}`, typed);
      const previous = raw[key];
      raw[key] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
    } else {
      const suggestion = closestName(key, known);
      problems.push({ path: `--${name}`, message: `unknown option${suggestion ? ` (did you mean ${flagName(suggestion)}?)` : ''}` });
    }
  }
  if (positional.length > 0 && !spec.positional) {
    problems.push(...positional.map((arg) => ({ path: arg, message: 'unexpected argument (options are --name=value)' })));
  }
  const repeated = new Set<string>();
  for (const [id, given] of seen) {
    if (given.length < 2) continue;
    const [kind, key] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
    if (kind === 'flag') repeated.add(key);
    problems.push({ path: kind === 'flag' ? flagName(key) : key, message: `given ${given.length} times (${given.join(', ')}); give it once` });
  }
  const parsed = spec.flags.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      if (repeated.has(key)) continue; // already named as repeated; its array value says nothing more
      problems.push({ path: key ? flagName(key) : '(flags)', message: issue.message.replace(/^Invalid input: /, '') });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, 'command line');
  return { flags: (parsed as { data: z.output<S> }).data, overrides, positional };
}

/** Where a command writes (tests pass their own). */
export interface CommandIo {
  error(line: string): void;
  exit(code: number): void;
}

const processIo: CommandIo = {
  error: (line) => console.error(line),
  exit: (code) => {
    process.exitCode = code;
  },
};

/** Exit code of a command that failed on input or configuration (ours); anything else is a bug (2). */
export const EXIT_INPUT_ERROR = 1;
/** Exit code of an unexpected error (a bug: the stack is printed). */
export const EXIT_INTERNAL_ERROR = 2;

/**
 * Runs a command's body: our typed errors print as one `name: message` (plus the usage after a command-line
 * mistake) and exit 1; anything else prints its stack and exits 2. The body may return its own exit code.
 */
export async function runCommandLine(name: string, usage: string, body: () => Promise<number | void>, io: CommandIo = processIo): Promise<number> {
  let code: number;
  try {
    code = (await body()) ?? 0;
  } catch (error) {
    if (error instanceof A2dError) {
      io.error(`${name}: ${error.message}`);
      if (error instanceof ConfigError && error.source === 'command line') io.error(usage);
      code = EXIT_INPUT_ERROR;
    } else {
      io.error(`${name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      code = EXIT_INTERNAL_ERROR;
    }
  }
  io.exit(code);
  return code;
}
