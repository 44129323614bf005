/**
 * A command's `--help` and usage line, written from its `CommandLineSpec` and the config schema: the flags with
 * their `.describe()` texts and defaults, the shorthands of config keys, and every config key the command takes as
 * its dotted path, type and default. Nothing here is written by hand per command, so the help cannot drift from
 * what the command accepts.
 */
import { z } from 'zod';
import type { CommandConfigKey, CommandLineSpec } from './command-line';
import { envVariableName, parseConfig, type ConfigTree } from './config/load';
import { a2dConfigSchema } from './config/root';
import { schemaAtPath, unwrapSchema } from './config/schema-keys';

type Schema = z.core.$ZodType;

/** How `npx nx run` reaches our `--help` (Nx answers a plain `--help` itself, before the command runs). */
export function nxHelpNote(name: string): string {
  return `through Nx: \`npx nx run ${name} --help\` is Nx's own help; \`npx nx run ${name} -- --help\` prints this one`;
}


/** The schema whose values a pipe hands on: its output, unless that is a transform (then what it reads). */
function pipeTarget(schema: z.core.$ZodPipe): Schema {
  const { in: input, out } = schema._zod.def;
  return out instanceof z.core.$ZodTransform ? input : out;
}

/** The metadata (`.describe()`, `.meta()`) of `schema` or of a schema it wraps, outermost first. */
function metaOf(schema: Schema): { description?: string; placeholder?: string } {
  const found: { description?: string; placeholder?: string } = {};
  for (let node: Schema | undefined = schema; node; ) {
    const meta = z.globalRegistry.get(node);
    if (found.description === undefined && typeof meta?.description === 'string') found.description = meta.description;
    if (found.placeholder === undefined && typeof meta?.placeholder === 'string') found.placeholder = meta.placeholder;
    const def = node._zod.def as { innerType?: Schema };
    node = node instanceof z.core.$ZodPipe ? pipeTarget(node) : def.innerType;
  }
  return found;
}

function formatNumber(schema: z.core.$ZodNumber): string {
  const checks = (schema._zod.def.checks ?? []).map((check) => check._zod.def as { check: string; format?: string; value?: unknown; inclusive?: boolean });
  const integer = checks.some((check) => check.check === 'number_format' && /int/.test(check.format ?? ''));
  let low: { value: number; inclusive: boolean } | undefined;
  let high: { value: number; inclusive: boolean } | undefined;
  for (const check of checks) {
    if (typeof check.value !== 'number') continue;
    const bound = { value: check.value, inclusive: check.inclusive !== false };
    if (check.check === 'greater_than' && (!low || bound.value >= low.value)) low = bound;
    if (check.check === 'less_than' && (!high || bound.value <= high.value)) high = bound;
  }
  // An integer above 0 reads better as ">= 1".
  if (integer && low && !low.inclusive) low = { value: low.value + 1, inclusive: true };
  if (integer && high && !high.inclusive) high = { value: high.value - 1, inclusive: true };
  const name = integer ? 'integer' : 'number';
  if (low?.inclusive && high?.inclusive) return `${name} ${low.value}..${high.value}`;
  const bounds = [low && `${low.inclusive ? '>=' : '>'} ${low.value}`, high && `${high.inclusive ? '<=' : '<'} ${high.value}`].filter(Boolean);
  return bounds.length > 0 ? `${name} ${bounds.join(', ')}` : name;
}

/** A value type as the help shows it: `integer >= 1`, `number 0..0.9`, `segment|consecutive`, `[number, number]`. */
export function describeValueType(schema: Schema): string {
  const node = unwrapSchema(schema);
  if (node instanceof z.core.$ZodNullable) return `${describeValueType(node._zod.def.innerType)}|null`;
  if (node instanceof z.core.$ZodPipe) return describeValueType(pipeTarget(node));
  if (node instanceof z.core.$ZodNumber) return formatNumber(node);
  if (node instanceof z.core.$ZodString) return 'string';
  if (node instanceof z.core.$ZodBoolean) return 'boolean';
  if (node instanceof z.core.$ZodEnum) return Object.values(node._zod.def.entries).join('|');
  if (node instanceof z.core.$ZodLiteral) return node._zod.def.values.map(String).join('|');
  if (node instanceof z.core.$ZodUnion) return node._zod.def.options.map(describeValueType).join('|');
  if (node instanceof z.core.$ZodTuple) return `[${node._zod.def.items.map(describeValueType).join(', ')}]`;
  if (node instanceof z.core.$ZodArray) {
    const item = describeValueType(node._zod.def.element);
    return `list of ${item.includes(' ') ? `(${item})` : item}`;
  }
  if (node instanceof z.core.$ZodObject) return `{${Object.keys(node._zod.def.shape).join(', ')}}`;
  if (node instanceof z.core.$ZodRecord) return 'object';
  return node._zod.def.type;
}

/** Whether a flag is a switch (`--resume`, `--resume=false`) rather than one that needs a value. */
function isSwitch(schema: z.ZodType): boolean {
  const no = schema.safeParse('false');
  const yes = schema.safeParse(true);
  return no.success && no.data === false && yes.success && yes.data === true;
}

/** The `<...>` after `--flag=`: the meta `placeholder`, else the choices, `n` for numbers, `value` for text. */
function placeholderOf(schema: Schema): string {
  const given = metaOf(schema).placeholder;
  if (given) return given;
  const node = unwrapSchema(schema);
  if (node instanceof z.core.$ZodNullable) return placeholderOf(node._zod.def.innerType);
  if (node instanceof z.core.$ZodPipe) return placeholderOf(pipeTarget(node));
  if (node instanceof z.core.$ZodArray) return placeholderOf(node._zod.def.element);
  if (node instanceof z.core.$ZodNumber) return 'n';
  if (node instanceof z.core.$ZodEnum) return Object.values(node._zod.def.entries).join('|');
  if (node instanceof z.core.$ZodLiteral) return node._zod.def.values.map(String).join('|');
  if (node instanceof z.core.$ZodUnion) return node._zod.def.options.map(placeholderOf).join('|');
  return 'value';
}

/** A default as the help shows it: text as it is typed on the command line, anything else as JSON. */
function formatDefault(value: unknown): string {
  if (value === undefined) return '(unset)';
  if (typeof value === 'string') return value === '' ? '""' : value;
  return JSON.stringify(value);
}

/** `experimentName` -> `experiment-name` (the inverse of `camelCaseFlag`, without importing the runner). */
function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The schema of the config value at `path` (dotted), where the path runs through objects only. */
export function configValueSchema(path: string, schema: Schema = a2dConfigSchema): Schema | undefined {
  return schemaAtPath(schema, path.split('.'));
}

/** Every leaf of the config tree (a value that is not an object of keys), as a dotted path with its schema. */
function configLeaves(schema: Schema, prefix: string[] = []): { path: string; schema: Schema }[] {
  const node = unwrapSchema(schema);
  if (!(node instanceof z.core.$ZodObject)) return [{ path: prefix.join('.'), schema }];
  return Object.entries(node._zod.def.shape as Record<string, Schema>).flatMap(([key, child]) => configLeaves(child, [...prefix, key]));
}

function valueAt(tree: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as ConfigTree)[key] : undefined), tree);
}

/** The keys a command takes, as `{ path, defaultFrom }` (every key of the tree when it names none). */
function configKeysOf(spec: CommandLineSpec<z.ZodObject>): { path: string; defaultFrom?: string }[] | undefined {
  if (spec.configOverrides === false) return undefined;
  if (!spec.configKeys) return configLeaves(a2dConfigSchema).map(({ path }) => ({ path }));
  const keys = spec.configKeys.map((key: CommandConfigKey): { path: string; defaultFrom?: string } => (typeof key === 'string' ? { path: key } : key));
  // A key may name a whole section (`data`): list its leaves.
  return keys.flatMap((key) => {
    const schema = configValueSchema(key.path);
    return schema ? configLeaves(schema, key.path.split('.')).map(({ path }) => ({ path, defaultFrom: key.defaultFrom })) : [key];
  });
}

/** Rows as aligned columns (the last column is free; a cell wider than `maxWidth` pushes only its own row). */
function table(rows: string[][], indent = '  ', maxWidth = 34): string[] {
  const widths = rows[0]?.map((_, column) => Math.min(maxWidth, Math.max(...rows.map((row) => row[column]?.length ?? 0)))) ?? [];
  return rows.map((row) =>
    (indent + row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')).trimEnd(),
  );
}

/** The flags that have no default and may not be left out, in schema order. */
function requiredFlags(spec: CommandLineSpec<z.ZodObject>): string[] {
  return Object.entries(spec.flags.shape as Record<string, z.ZodType>)
    .filter(([, schema]) => !schema.safeParse(undefined).success)
    .map(([key]) => key);
}

/** Choices longer than this are listed in the description column, not inside `<...>`. */
const LONGEST_PLACEHOLDER = 24;

/** `--name=<placeholder>` (`--name` for a switch), and the choices when they are too many for the placeholder. */
function flagSyntax(key: string, schema: z.ZodType): { syntax: string; choices?: string } {
  if (isSwitch(schema)) return { syntax: `--${kebab(key)}` };
  const placeholder = placeholderOf(schema);
  if (placeholder.length <= LONGEST_PLACEHOLDER) return { syntax: `--${kebab(key)}=<${placeholder}>` };
  return { syntax: `--${kebab(key)}=<value>`, choices: placeholder };
}

/** `usage: npx nx run <name>` with the required flags, `[options]`, and config keys where the command takes them. */
function usageLine(spec: CommandLineSpec<z.ZodObject>): string {
  const shape = spec.flags.shape as Record<string, z.ZodType>;
  const required = requiredFlags(spec).map((key) => flagSyntax(key, shape[key]).syntax);
  const parts = [`usage: npx nx run ${spec.name ?? 'command'}`, ...required, '[options]'];
  if (spec.positional) parts.push(spec.positional.name);
  if (spec.configOverrides !== false) parts.push('[--<config.key>=<value> ...]');
  return parts.join(' ');
}

/** The one-line usage printed after a command-line mistake, and where the whole help is. */
export function formatCommandUsage(spec: CommandLineSpec<z.ZodObject>): string {
  return `${usageLine(spec)}   (every option: npx nx run ${spec.name ?? 'command'} -- --help)`;
}

/** The precedence of a config-taking command, lowest first. */
function precedence(spec: CommandLineSpec<z.ZodObject>, keys: { defaultFrom?: string }[]): string {
  const saved = [...new Set(keys.map((key) => key.defaultFrom).filter((from): from is string => from !== undefined))];
  const everyKeySaved = saved.length > 0 && keys.every((key) => key.defaultFrom !== undefined);
  const base = everyKeySaved ? saved.join(' / ') : saved.length > 0 ? `defaults (${saved.join(' / ')}, where shown)` : 'defaults';
  const file = 'config' in spec.flags.shape ? ['--config file'] : [];
  return [base, ...file, 'A2D_* environment', 'command line'].join(' < ');
}

/**
 * The full `--help` text: what the command does, its usage, every flag (description, default or "required"), the
 * shorthands of config keys, the config keys it takes grouped by section (dotted path, type, default) or that it
 * takes none, and how to reach this help through Nx.
 */
export function formatCommandHelp(spec: CommandLineSpec<z.ZodObject>): string {
  const name = spec.name ?? 'command';
  const lines: string[] = [spec.summary ? `${name}: ${spec.summary}` : name, '', usageLine(spec)];
  const shape = spec.flags.shape as Record<string, z.ZodType>;
  const required = new Set(requiredFlags(spec));

  const flagRows = Object.entries(shape).map(([key, schema]) => {
    const { description = '' } = metaOf(schema);
    const fallback = schema.safeParse(undefined);
    const shown = fallback.success && fallback.data !== undefined && !(isSwitch(schema) && fallback.data === false) ? `(default: ${formatDefault(fallback.data)})` : '';
    const repeatable = unwrapSchema(schema) instanceof z.core.$ZodPipe && schema.safeParse(['a', 'b']).success ? '(repeatable)' : '';
    const { syntax, choices } = flagSyntax(key, schema);
    const note = [choices ? `(one of ${choices})` : '', required.has(key) ? '(required)' : '', repeatable, shown].filter(Boolean).join(' ');
    return [syntax, [description, note].filter(Boolean).join(' ')];
  });
  if (spec.positional) flagRows.push([spec.positional.name, spec.positional.description]);
  flagRows.push(['-h, --help', 'print this help and exit (nothing else is done)']);
  lines.push('', 'options:', ...table(flagRows));

  const aliases = Object.entries(spec.aliases ?? {});
  if (aliases.length > 0) {
    const rows = aliases.map(([key, path]) => {
      const schema = configValueSchema(path);
      const type = schema ? describeValueType(schema) : 'value';
      // Long choices read better in the description column than inside the placeholder.
      const placeholder = schema ? placeholderOf(schema) : 'value';
      const syntax = type === 'boolean' ? `--${kebab(key)}` : `--${kebab(key)}=<${placeholder.length > LONGEST_PLACEHOLDER ? 'value' : placeholder}>`;
      return [syntax, `sets ${path}: ${type}`];
    });
    lines.push('', 'shorthands of config keys (listed below):', ...table(rows));
  }

  const keys = configKeysOf(spec);
  if (!keys) {
    lines.push('', `config: ${name} takes no config keys (no --<config.key>=<value>; A2D_* variables do not apply)${spec.configHint ? `; ${spec.configHint}` : ''}`);
  } else {
    const defaults = parseConfig(a2dConfigSchema, {});
    const example = keys.find((key) => key.path.includes('.'))?.path ?? keys[0]?.path ?? 'data.root';
    lines.push(
      '',
      `config keys${spec.configKeys ? ` ${name} takes` : ''}: --<key>=<value> on the command line, or A2D_<KEY> in the environment ` +
        `(${envVariableName(example.split('.'))} sets ${example})`,
      `  precedence: ${precedence(spec, keys)}`,
    );
    const rows: string[][] = [];
    let section: string | undefined;
    for (const key of keys) {
      const top = key.path.includes('.') ? key.path.slice(0, key.path.indexOf('.')) : '';
      if (top !== section) {
        // One heading per section; top-level values (`seed`) come without one.
        if (top) rows.push([`${top}:`, '', '']);
        section = top;
      }
      const schema = configValueSchema(key.path);
      rows.push([`  ${key.path}`, schema ? describeValueType(schema) : '', key.defaultFrom ? `(${key.defaultFrom})` : formatDefault(valueAt(defaults, key.path))]);
    }
    lines.push(...table(rows, '  ', 40));
    if (spec.configHint && spec.configKeys) lines.push(`  other keys do not apply: ${spec.configHint}`);
  }
  for (const note of spec.notes ?? []) lines.push('', note);
  lines.push('', nxHelpNote(name));
  return `${lines.join('\n')}\n`;
}
