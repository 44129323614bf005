/**
 * The one command-line runner of every CLI: flags parsed through a zod schema (unknown flags named, with the
 * closest known one suggested), dotted config overrides (`--data.root=x`) and aliases (`--backend` ->
 * `engine.backend`) collected for `loadConfig`, `--help` / `-h` answered from the same description (see
 * `command-help.ts`), and `runCommandLine`, which prints our typed errors as one line, the usage after a
 * command-line mistake, and sets the exit code.
 */
import { z } from 'zod';
import { A2dError, ConfigError } from './errors';
import { configValueFromText, envOverrideList, setPath, tokenizeArgs, type ConfigTree } from './config/load';
import { a2dConfigSchema } from './config/root';
import { closestName } from './closest-name';
import { formatCommandHelp, formatCommandUsage } from './command-help';
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

/**
 * A config key a command takes: its dotted path (a section such as `data` stands for every key in it), or the path
 * and where its value comes from when neither the environment nor the command line sets it, if that is not the
 * schema default (e.g. `the experiment's saved config`).
 */
export type CommandConfigKey = string | { path: string; defaultFrom: string };

/** What a command accepts, and how its help describes it (the flags' texts are their zod `.describe()`). */
export interface CommandLineSpec<S extends z.ZodObject> {
  /** The command as `npx nx run` names it (`trainer:train`): the help's first word and the usage line's command. */
  name?: string;
  /** What the command does, in one line (the help's first line). */
  summary?: string;
  /**
   * Flags that are not config paths, keyed in camelCase (`experimentName` is `--experiment-name`); a flag's
   * `.describe()` text is its help line, and `.meta({ placeholder: 'dir' })` names its value there (`--out=<dir>`).
   */
  flags: S;
  /** Flags that set a config path, e.g. `{ backend: 'engine.backend', epochs: 'train.epochs' }` (camelCase keys). */
  aliases?: Readonly<Record<string, string>>;
  /** Whether dotted config paths (`--data.root=x`) are accepted (default true); when not, one is refused with `configHint`. */
  configOverrides?: boolean;
  /**
   * The config keys the command takes, when not all of them: a dotted path outside them is refused with the list.
   * The help lists exactly these (with their defaults).
   */
  configKeys?: readonly CommandConfigKey[];
  /** For a refused dotted path (no config, or a key outside `configKeys`): what to use instead (`use --out=<dir>`). */
  configHint?: string;
  /** Positional arguments, when accepted (default: none): their `<name>` and what they are, for the help. */
  positional?: { name: string; description: string };
  /** Paragraphs printed at the end of the help (before how to reach it through Nx). */
  notes?: readonly string[];
}

/**
 * Thrown by `parseCommandLine` when the command line asks for `--help` / `-h`: `runCommandLine` prints `text` and
 * exits 0, so no command does anything else. Not an `A2dError`: it is an answer, not a failure.
 */
export class CommandHelpRequest extends Error {
  constructor(readonly text: string) {
    super('help requested');
    this.name = 'CommandHelpRequest';
  }
}

/** Whether `argv` asks for the help (`--help`, `--help=true` or `-h` anywhere, not as another flag's value). */
export function asksForHelp(argv: readonly string[]): boolean {
  return tokenizeArgs(argv).some((token) => ('positional' in token ? token.positional === '-h' : token.name === 'help' && token.value !== 'false'));
}

/** Whether `configPath` is one of `keys` or inside one of them (`data.sampling.testViews` is inside `data`). */
function takesConfigKey(keys: readonly CommandConfigKey[], configPath: string): boolean {
  return keys.some((key) => {
    const path = typeof key === 'string' ? key : key.path;
    return configPath === path || configPath.startsWith(`${path}.`);
  });
}


/** Why a dotted config path is refused, naming the keys the command does take (or that it takes none). */
function refusedConfigPath<S extends z.ZodObject>(spec: CommandLineSpec<S>, configPath: string): string {
  const command = spec.name ?? 'this command';
  const hint = spec.configHint ? `; ${spec.configHint}` : '';
  if (spec.configOverrides === false || !spec.configKeys) return `${command} takes no config keys${hint}`;
  const keys = spec.configKeys.map((key) => (typeof key === 'string' ? key : key.path));
  const suggestion = closestName(configPath, keys);
  return `not a config key of ${command}${suggestion ? ` (did you mean --${suggestion}?)` : ''}; it takes ${keys.join(', ')}${hint}`;
}

/** A parsed command line. */
export interface ParsedCommandLine<S extends z.ZodObject> {
  /** The validated flags. */
  flags: z.output<S>;
  /** Config overrides from dotted paths and aliases, for `loadConfig({ overrides })`. */
  overrides: ConfigTree;
  /** The arguments that are not flags (only where the spec accepts them). */
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
 * `--kebab-case`). `--help` or `-h` anywhere throws `CommandHelpRequest` with the help text before anything else is
 * checked. Every problem (unknown flag, bad value, a flag given twice, a config key the command does not take,
 * unexpected argument) is collected into one `ConfigError` with source `command line`. Under `nx run`, flags of ours
 * that Nx's own parser swallowed (e.g. `--batch-size`, taken by yargs for Nx's `--batch`) are read back from the `nx`
 * command line, so every documented flag reaches the command.
 */
export function parseCommandLine<S extends z.ZodObject>(argv: readonly string[], spec: CommandLineSpec<S>, context: CommandLineContext = {}): ParsedCommandLine<S> {
  if (asksForHelp(argv)) throw new CommandHelpRequest(formatCommandHelp(spec));
  const aliases = spec.aliases ?? {};
  const known = [...Object.keys(spec.flags.shape), ...Object.keys(aliases)];
  const takesConfig = (configPath: string) => spec.configOverrides !== false && (!spec.configKeys || takesConfigKey(spec.configKeys, configPath));
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
    const configPath = aliases[key] ?? (name.includes('.') ? name : undefined);
    if (configPath && !(key in aliases) && !takesConfig(configPath)) {
      problems.push({ path: `--${name}`, message: refusedConfigPath(spec, configPath) });
    } else if (configPath) {
      note(`config:${configPath}`, typed);
      setPath(overrides, configPath, value === true ? true : configValueFromText(a2dConfigSchema, configPath.split('.'), value));
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

/**
 * The dotted config paths (leaves) that the `A2D_*` environment or the command line's `overrides` set: what a
 * command that starts from a saved config it does not load itself (an experiment's) changes in it, flags over
 * environment through `loadConfig` as everywhere else.
 */
export function givenConfigPaths(sources: { env?: NodeJS.ProcessEnv; overrides?: ConfigTree }): Set<string> {
  const paths = new Set<string>();
  for (const { path } of envOverrideList(sources.env ?? {})) paths.add(path.join('.'));
  const visit = (tree: ConfigTree, prefix: string[]) => {
    for (const [key, value] of Object.entries(tree)) {
      const isTree = typeof value === 'object' && value !== null && !Array.isArray(value);
      if (isTree) visit(value as ConfigTree, [...prefix, key]);
      else paths.add([...prefix, key].join('.'));
    }
  };
  visit(sources.overrides ?? {}, []);
  return paths;
}

/** Where a command writes (tests pass their own). */
export interface CommandIo {
  error(line: string): void;
  exit(code: number): void;
  /** Where `--help` goes (default: stdout). */
  print?(text: string): void;
}

const processIo: CommandIo = {
  error: (line) => console.error(line),
  exit: (code) => {
    process.exitCode = code;
  },
  print: (text) => process.stdout.write(text),
};

/** Exit code of a command that failed on input or configuration (ours); anything else is a bug (2). */
export const EXIT_INPUT_ERROR = 1;
/** Exit code of an unexpected error (a bug: the stack is printed). */
export const EXIT_INTERNAL_ERROR = 2;

/** A command's body: its exit code, or nothing for 0. */
export type CommandBody = () => Promise<number | void>;

/**
 * Runs a command's body: `--help` prints the help (to stdout) and exits 0; our typed errors print as one
 * `name: message` (plus the usage after a command-line mistake) and exit 1; anything else prints its stack and
 * exits 2. The body may return its own exit code. Given the command's spec, the name and the usage line come from it.
 */
export async function runCommandLine(spec: CommandLineSpec<z.ZodObject>, body: CommandBody, io?: CommandIo): Promise<number>;
export async function runCommandLine(name: string, usage: string, body: CommandBody, io?: CommandIo): Promise<number>;
export async function runCommandLine(
  first: string | CommandLineSpec<z.ZodObject>,
  second: string | CommandBody,
  third?: CommandBody | CommandIo,
  fourth?: CommandIo,
): Promise<number> {
  const [name, usage, body, io] =
    typeof first === 'string'
      ? [first, second as string, third as CommandBody, fourth ?? processIo]
      : [first.name ?? 'command', formatCommandUsage(first), second as CommandBody, (third as CommandIo | undefined) ?? processIo];
  let code: number;
  try {
    code = (await body()) ?? 0;
  } catch (error) {
    if (error instanceof CommandHelpRequest) {
      (io.print ?? processIo.print)?.(error.text);
      code = 0;
    } else if (error instanceof A2dError) {
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
