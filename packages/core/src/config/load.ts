/**
 * Parsing configuration through zod: defaults < JSON config file < environment < command line.
 * Every invalid value fails fast with its dotted path, e.g. `data.valFraction: expected number <= 0.9, got 2`;
 * every object rejects keys it does not know, with the closest known one (`data.valFracton: unknown key; did you
 * mean data.valFraction?`); and the error names the source the bad value came from (a file, a variable, the command line).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { knownConfigKeys, schemaAtPath, suggestConfigKey } from './schema-keys';

/** A JSON-like nested object. */
export type ConfigTree = { [key: string]: unknown };

/** One problem of a config: where (keys from the root) and what. */
interface ConfigProblem {
  path: string[];
  message: string;
  /** For an unknown key: the known key path it most likely meant. */
  suggestion?: string[];
}

function problemsOf(schema: z.ZodType, error: z.ZodError): ConfigProblem[] {
  return error.issues.flatMap((issue): ConfigProblem[] => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const suggestion = suggestConfigKey(schema, path, key);
        if (suggestion) return { path: [...path, key], message: 'unknown key', suggestion };
        const known = knownConfigKeys(schema, path);
        return { path: [...path, key], message: known.length ? `unknown key (known keys: ${known.join(', ')})` : 'unknown key' };
      });
    }
    const got = 'input' in issue && issue.input !== undefined ? `, got ${JSON.stringify(issue.input)}` : '';
    return [{ path, message: `${issue.message.replace(/^Invalid input: /, '')}${got}` }];
  });
}

function describeProblem(problem: ConfigProblem, suggestionNote = ''): string {
  return problem.suggestion ? `${problem.message}; did you mean ${problem.suggestion.join('.')}${suggestionNote}?` : problem.message;
}

function validate<S extends z.ZodType>(schema: S, raw: unknown): { data: z.output<S> } | { problems: ConfigProblem[] } {
  const result = schema.safeParse(raw, { reportInput: true });
  return result.success ? { data: result.data } : { problems: problemsOf(schema, result.error) };
}

/** Parses `raw` with `schema`; throws `ConfigError` listing every bad field or unknown key with its path. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown, source?: string): z.output<S> {
  const result = validate(schema, raw);
  if ('problems' in result) {
    throw new ConfigError(result.problems.map((problem) => ({ path: problem.path.join('.'), message: describeProblem(problem) })), source);
  }
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

/** One environment variable that sets a config path. */
export interface EnvOverride {
  /** The variable, e.g. `A2D_DATA__VAL_FRACTION`. */
  variable: string;
  /** The config path it sets, e.g. `['data', 'valFraction']`. */
  path: string[];
  value: unknown;
  /** The variable's text as set (`value` is its JSON reading where it parses). */
  text: string;
}

/**
 * `A2D_` variables that are settings of their own, not config paths: where the native addon is loaded from
 * (`@a2d/engine`'s `nativeAddonPathVariable`) and the Python the reference-value tests run.
 */
export const nonConfigEnvVariables: readonly string[] = ['A2D_NATIVE_ADDON', 'A2D_TEST_PYTHON'];

/** The `A2D_...` variables of `env` as config paths: `A2D_DATA__VAL_FRACTION` sets `data.valFraction`. */
export function envOverrideList(env: NodeJS.ProcessEnv, prefix = 'A2D_'): EnvOverride[] {
  const out: EnvOverride[] = [];
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith(prefix) || value === undefined || nonConfigEnvVariables.includes(variable)) continue;
    const path = variable
      .slice(prefix.length)
      .split('__')
      .map((part) => part.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()))
      .filter(Boolean);
    if (path.length > 0) out.push({ variable, path, value: parseScalar(value), text: value });
  }
  return out;
}

/** The variable that sets `path`: `['data', 'valFraction']` -> `A2D_DATA__VAL_FRACTION`. */
export function envVariableName(path: readonly string[], prefix = 'A2D_'): string {
  return prefix + path.map((key) => key.replace(/([A-Z])/g, '_$1').toUpperCase()).join('__');
}

/** Environment overrides: `A2D_DATA__ROOT=/x` sets `data.root` (double underscore separates levels). */
export function envOverrides(env: NodeJS.ProcessEnv, prefix = 'A2D_'): ConfigTree {
  const tree: ConfigTree = {};
  for (const { path, value } of envOverrideList(env, prefix)) setPath(tree, path.join('.'), value);
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
  /**
   * Values under everything else, e.g. the saved config of a run being resumed (so a resume needs no flag
   * repeated); `name` says where they came from in error messages.
   */
  base?: { name: string; tree: ConfigTree };
  /** Path of a JSON config file. */
  file?: string;
  /** Environment (default: none). */
  env?: NodeJS.ProcessEnv;
  /** Overrides from the command line (highest priority). */
  overrides?: ConfigTree;
}

/** One source of config values, and how an error names it. */
interface ConfigLayer {
  /** `command line`, `environment`, or the config file's path. */
  name: string;
  /** Priority: later layers override earlier ones. */
  rank: number;
  tree: ConfigTree;
  /** Environment only: the variable behind each value, by dotted path. */
  variables?: Map<string, string>;
}

function leafPaths(tree: ConfigTree, prefix: string[] = []): string[][] {
  return Object.entries(tree).flatMap(([key, value]) => {
    const path = [...prefix, key];
    const isTree = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0;
    return isTree ? leafPaths(value as ConfigTree, path) : [path];
  });
}

/** Whether one of the paths is a prefix of the other (the same value, or one inside the other). */
function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Where one value came from: a layer, and for the environment the variables that set it. */
interface ValueSource {
  layer: ConfigLayer;
  variables: string[];
}

/** `command line`, `tiny.json`, `environment (A2D_DATA__ROOT, A2D_SEED)`: sources of the same layer merged. */
function describeSources(sources: readonly ValueSource[]): string {
  const byLayer = new Map<ConfigLayer, Set<string>>();
  for (const { layer, variables } of sources) {
    const names = byLayer.get(layer) ?? new Set<string>();
    variables.forEach((variable) => names.add(variable));
    byLayer.set(layer, names);
  }
  return [...byLayer]
    .sort(([a], [b]) => a.rank - b.rank)
    .map(([layer, names]) => (names.size ? `${layer.name} (${[...names].join(', ')})` : layer.name)).join(' + ');
}

/**
 * The sources that gave the value at `path`: the layers whose values there survive the merge. A value none of
 * them set (a default failing a check against a value that was set, e.g. `model.numHeads` against
 * `model.hiddenDim`) is blamed on what was set next to it, one level up at a time.
 */
function sourcesOf(layers: readonly ConfigLayer[], path: readonly string[]): ValueSource[] {
  const leaves = layers.map((layer) => leafPaths(layer.tree));
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    const found: ValueSource[] = [];
    layers.forEach((layer, index) => {
      const live = leaves[index].filter(
        (leaf) => overlaps(leaf, prefix) && !leaves.slice(index + 1).some((higher) => higher.some((other) => overlaps(other, leaf))),
      );
      if (live.length === 0) return;
      const variables = live.map((leaf) => layer.variables?.get(leaf.join('.'))).filter((name): name is string => name !== undefined);
      found.push({ layer, variables: [...new Set(variables)] });
    });
    if (found.length > 0) return found;
  }
  return [];
}

/**
 * A typed config value (command line or environment): its JSON reading where it parses (numbers, booleans,
 * arrays), but `text` itself where the key takes text and the reading would not fit (`2024` as a folder name).
 */
export function configValueFromText(schema: z.core.$ZodType, path: readonly string[], text: string): unknown {
  return textWhereExpected(schema, path, parseScalar(text), text);
}

/** `value` (the JSON reading of `text`), or `text` itself where the key takes text and the reading would not fit. */
function textWhereExpected(schema: z.core.$ZodType, path: readonly string[], value: unknown, text: string): unknown {
  if (typeof value === 'string') return value;
  const at = schemaAtPath(schema, path);
  if (at && !z.safeParse(at, value).success && z.safeParse(at, text).success) return text;
  return value;
}

/**
 * Resolves a config: schema defaults < base (a resumed run's saved config) < file < environment < command line; validated once at the end. A problem
 * is reported with the source its value came from: the file's path, `environment (A2D_...)` or `command line`
 * (each problem names its own when they came from different ones).
 */
export function loadConfig<S extends z.ZodType>(schema: S, sources: ConfigSources = {}): z.output<S> {
  const layers: ConfigLayer[] = [];
  if (sources.base) layers.push({ name: sources.base.name, rank: -1, tree: sources.base.tree });
  if (sources.file) layers.push({ name: sources.file, rank: 0, tree: readConfigFile(sources.file) });
  if (sources.env) {
    const list = envOverrideList(sources.env);
    const tree: ConfigTree = {};
    // As on the command line: JSON where it parses, but text where the key takes text (`A2D_DATA__ROOT=2024`).
    for (const { path, value, text } of list) setPath(tree, path.join('.'), textWhereExpected(schema, path, value, text));
    layers.push({ name: 'environment', rank: 1, tree, variables: new Map(list.map(({ path, variable }) => [path.join('.'), variable])) });
  }
  if (sources.overrides) layers.push({ name: 'command line', rank: 2, tree: sources.overrides });
  const used = layers.filter((layer) => leafPaths(layer.tree).length > 0);
  const merged = used.reduce<ConfigTree>((tree, layer) => mergeTrees(tree, layer.tree), {});
  const result = validate(schema, merged);
  if (!('problems' in result)) return result.data;

  const located = result.problems.map((problem) => {
    const from = sourcesOf(used, problem.path);
    // A mistyped variable is best answered with the variable to set instead.
    const note = problem.suggestion && from.some((source) => source.layer.variables) ? ` (${envVariableName(problem.suggestion)})` : '';
    return { path: problem.path.join('.'), message: describeProblem(problem, note), from };
  });
  const all = located.flatMap((problem) => problem.from);
  const origin = all.length > 0 ? describeSources(all) : undefined;
  const sameForAll = new Set(located.map((problem) => describeSources(problem.from))).size <= 1;
  throw new ConfigError(
    located.map(({ path, message, from }) => ({ path, message: sameForAll || from.length === 0 ? message : `${message} (from ${describeSources(from)})` })),
    origin,
  );
}
