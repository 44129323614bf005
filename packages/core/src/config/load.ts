/**
 * Parsing configuration through zod: defaults < JSON config file < environment < command line.
 * Every invalid value fails fast with its dotted path, e.g. `data.valFraction: expected number <= 0.9, got 2`.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors';

/** A JSON-like nested object. */
export type ConfigTree = { [key: string]: unknown };

function formatIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const got = 'input' in issue && issue.input !== undefined ? `, got ${JSON.stringify(issue.input)}` : '';
    return { path, message: `${issue.message.replace(/^Invalid input: /, '')}${got}` };
  });
}

/** Parses `raw` with `schema`; throws `ConfigError` listing every bad field with its path. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown, source?: string): z.output<S> {
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(formatIssues(result.error), source);
  return result.data;
}

/** Parses a command-line or environment value: JSON when it parses (numbers, booleans, arrays), else the string. */
export function parseScalar(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Sets `tree[a][b][c] = value` for the dotted path `a.b.c`, creating objects on the way. */
export function setPath(tree: ConfigTree, dotted: string, value: unknown): void {
  const keys = dotted.split('.').filter(Boolean);
  let node: ConfigTree = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as ConfigTree;
  }
  node[keys[keys.length - 1]] = value;
}

/** Deep-merges plain objects (arrays and scalars of `override` replace those of `base`). */
export function mergeTrees(base: ConfigTree, override: ConfigTree): ConfigTree {
  const out: ConfigTree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    const bothObjects =
      typeof value === 'object' && value !== null && !Array.isArray(value) &&
      typeof current === 'object' && current !== null && !Array.isArray(current);
    out[key] = bothObjects ? mergeTrees(current as ConfigTree, value as ConfigTree) : value;
  }
  return out;
}

/** Reads a JSON config file into a tree; a bad file is a `ConfigError` naming it. */
export function readConfigFile(file: string): ConfigTree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([{ path: '', message: `cannot read config file: ${(error as Error).message}` }], file);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([{ path: '', message: `not valid JSON: ${(error as Error).message}` }], file);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError([{ path: '', message: 'expected a JSON object at the top level' }], file);
  }
  return value as ConfigTree;
}

/** Environment overrides: `A2D_DATA__ROOT=/x` sets `data.root` (double underscore separates levels). */
export function envOverrides(env: NodeJS.ProcessEnv, prefix = 'A2D_'): ConfigTree {
  const tree: ConfigTree = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    const dotted = name
      .slice(prefix.length)
      .split('__')
      .map((part) => part.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()))
      .join('.');
    setPath(tree, dotted, parseScalar(value));
  }
  return tree;
}

/** Parsed command line: dotted config overrides plus any other flags, and positional arguments. */
export interface ParsedArgs {
  /** `--a.b=1` / `--a.b 1` flags as a tree (after `aliases` are applied). */
  overrides: ConfigTree;
  /** Flags that are not config paths (e.g. `--config`, `--out`), as raw strings or `true`. */
  flags: Record<string, string | true>;
  positional: string[];
}

/** One token of a command line: a `--name` flag with its value (`true` when bare), or a positional argument. */
export type ArgToken = { name: string; value: string | true } | { positional: string };

/** Splits `--key=value`, `--key value` and bare `--flag` arguments (a lone `--` is dropped). */
export function tokenizeArgs(argv: readonly string[]): ArgToken[] {
  const tokens: ArgToken[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    if (!arg.startsWith('--')) {
      tokens.push({ positional: arg });
      continue;
    }
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) tokens.push({ name: body.slice(0, eq), value: body.slice(eq + 1) });
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) tokens.push({ name: body, value: argv[++i] });
    else tokens.push({ name: body, value: true });
  }
  return tokens;
}

/**
 * Parses `--key=value`, `--key value` and `--flag` arguments. Keys listed in `aliases` map to config
 * paths (e.g. `{ backend: 'engine.backend' }`); keys containing a dot are config paths; the rest are flags.
 */
export function parseArgs(argv: readonly string[], aliases: Record<string, string> = {}): ParsedArgs {
  const overrides: ConfigTree = {};
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (const token of tokenizeArgs(argv)) {
    if ('positional' in token) {
      positional.push(token.positional);
      continue;
    }
    const { name: key, value } = token;
    const configPath = aliases[key] ?? (key.includes('.') ? key : undefined);
    if (configPath) setPath(overrides, configPath, value === true ? true : parseScalar(value));
    else flags[key] = value;
  }
  return { overrides, flags, positional };
}

/** Everything a config can come from, lowest priority first. */
export interface ConfigSources {
  /** Path of a JSON config file. */
  file?: string;
  /** Environment (default: none). */
  env?: NodeJS.ProcessEnv;
  /** Overrides from the command line (highest priority). */
  overrides?: ConfigTree;
}

/** Resolves a config: schema defaults < file < environment < command line; validated once at the end. */
export function loadConfig<S extends z.ZodType>(schema: S, sources: ConfigSources = {}): z.output<S> {
  let tree: ConfigTree = {};
  if (sources.file) tree = mergeTrees(tree, readConfigFile(sources.file));
  if (sources.env) tree = mergeTrees(tree, envOverrides(sources.env));
  if (sources.overrides) tree = mergeTrees(tree, sources.overrides);
  const origin = [sources.file, sources.env ? 'environment' : undefined, sources.overrides ? 'command line' : undefined]
    .filter(Boolean)
    .join(' + ');
  return parseConfig(schema, tree, origin || undefined);
}
