import { z } from 'zod';
import { configValueSchema, describeValueType, formatCommandHelp, formatCommandUsage, nxHelpNote } from './command-help';
import { booleanFlag, listFlag, numberFlag, stringFlag, type CommandLineSpec } from './command-line';
import { a2dConfigSchema } from './config/root';

const trainLike: CommandLineSpec<z.ZodObject> = {
  name: 'demo:train',
  summary: 'trains a demo model',
  flags: z.object({
    config: stringFlag().optional().describe('JSON config file').meta({ placeholder: 'file.json' }),
    out: stringFlag().describe('where the results go').meta({ placeholder: 'dir' }),
    resume: booleanFlag().default(false).describe('continue the run'),
    size: z.enum(['tiny', 'small']).default('small').describe('dataset size'),
    steps: numberFlag().pipe(z.number().int().positive()).default(12),
    video: listFlag().optional().describe('a video to add'),
  }),
  aliases: { backend: 'engine.backend', epochs: 'train.epochs' },
  notes: ['a closing note'],
};

/** The help's line that starts (after its indent) with `start`. */
function lineOf(text: string, start: string): string {
  const line = text.split('\n').find((candidate) => candidate.trimStart().startsWith(start));
  if (line === undefined) throw new Error(`no line starting with ${start} in:\n${text}`);
  return line;
}

describe('formatCommandHelp', () => {
  const help = formatCommandHelp(trainLike);

  it('starts with the command and its summary, then the usage from the same description', () => {
    const [first, , usage] = help.split('\n');
    expect(first).toBe('demo:train: trains a demo model');
    expect(usage).toBe('usage: npx nx run demo:train --out=<dir> [options] [--<config.key>=<value> ...]');
  });

  it('lists every flag with its placeholder, description, default and whether it is required or repeatable', () => {
    expect(lineOf(help, '--config=<file.json>')).toMatch(/--config=<file\.json> +JSON config file$/);
    expect(lineOf(help, '--out=<dir>')).toMatch(/where the results go \(required\)$/);
    // A switch has no value and no "(default: false)".
    expect(lineOf(help, '--resume ')).toMatch(/--resume +continue the run$/);
    expect(lineOf(help, '--size=<tiny|small>')).toMatch(/dataset size \(default: small\)$/);
    expect(lineOf(help, '--steps=<n>')).toMatch(/\(default: 12\)$/);
    expect(lineOf(help, '--video=<value>')).toMatch(/a video to add \(repeatable\)$/);
    expect(lineOf(help, '-h, --help')).toMatch(/print this help and exit/);
  });

  it('lists the shorthands with the key they set, and every config key grouped by section with its type and default', () => {
    expect(lineOf(help, '--backend=<value>')).toMatch(/sets engine\.backend: auto\|tensorflow-gpu\|tensorflow\|native\|wasm\|cpu$/);
    expect(lineOf(help, '--epochs=<n>')).toMatch(/sets train\.epochs: integer >= 1$/);
    expect(lineOf(help, 'config keys:')).toContain('A2D_<KEY> in the environment');
    expect(lineOf(help, 'precedence:')).toMatch(/defaults < --config file < A2D_\* environment < command line$/);
    expect(lineOf(help, 'data.valFraction ')).toMatch(/^ {4}data\.valFraction +number 0\.\.0\.9 +0\.15$/);
    expect(lineOf(help, 'data.sampling.testCrops ')).toMatch(/1\|3 +1$/);
    expect(lineOf(help, 'train.workers ')).toMatch(/auto\|integer >= 1 +auto$/);
    expect(lineOf(help, 'model.pretrained ')).toMatch(/string\|null +null$/);
    expect(lineOf(help, 'experiment.name ')).toMatch(/string +\(unset\)$/);
    expect(lineOf(help, 'seed ')).toMatch(/integer >= 0 +0$/);
    // Sections in schema order, each under its heading, one line per key.
    const headings = help.split('\n').filter((line) => /^ {2}[a-z]+:$/.test(line));
    expect(headings).toEqual(['  data:', '  augment:', '  engine:', '  loss:', '  model:', '  train:', '  experiment:']);
    const keyLines = help.split('\n').filter((line) => /^ {4}[a-z]+(\.[a-zA-Z0-9]+)*\s/.test(line));
    expect(keyLines.length).toBeGreaterThan(100);
  });

  it('ends with its notes and how to reach it through Nx', () => {
    expect(help.trimEnd().split('\n').slice(-3)).toEqual(['a closing note', '', nxHelpNote('demo:train')]);
    expect(nxHelpNote('demo:train')).toBe("through Nx: `npx nx run demo:train --help` is Nx's own help; `npx nx run demo:train -- --help` prints this one");
  });

  it('lists only the keys a command takes, with where the others come from', () => {
    const text = formatCommandHelp({
      name: 'demo:test',
      flags: z.object({}),
      configKeys: ['engine.backend', { path: 'data.root', defaultFrom: "the experiment's saved config" }, 'data.sampling'],
      configHint: 'the model comes from its checkpoint',
    });
    expect(lineOf(text, 'config keys demo:test takes:')).toContain('A2D_ENGINE__BACKEND sets engine.backend');
    expect(lineOf(text, 'precedence:')).toContain("defaults (the experiment's saved config, where shown) < A2D_* environment < command line");
    expect(lineOf(text, 'data.root ')).toMatch(/string +\(the experiment's saved config\)$/);
    expect(lineOf(text, 'engine.backend ')).toMatch(/ auto$/);
    // A section stands for its keys.
    expect(lineOf(text, 'data.sampling.numFrames ')).toMatch(/integer >= 1 +8$/);
    expect(text).not.toContain('model.hiddenDim');
    expect(lineOf(text, 'other keys do not apply:')).toContain('the model comes from its checkpoint');
  });

  it('says so when a command takes no config, with what to use instead', () => {
    const text = formatCommandHelp({ name: 'demo:gen', flags: z.object({ out: stringFlag() }), configOverrides: false, configHint: 'the dataset folder is --out=<dir>' });
    expect(text).toContain('config: demo:gen takes no config keys (no --<config.key>=<value>; A2D_* variables do not apply); the dataset folder is --out=<dir>');
    expect(text).not.toContain('precedence:');
    expect(formatCommandUsage({ name: 'demo:gen', flags: z.object({ out: stringFlag() }), configOverrides: false })).toBe(
      'usage: npx nx run demo:gen --out=<value> [options]   (every option: npx nx run demo:gen -- --help)',
    );
  });
});

describe('describeValueType', () => {
  it('reads types, bounds and choices from the schema', () => {
    expect(describeValueType(z.number().int().positive())).toBe('integer >= 1');
    expect(describeValueType(z.number().gt(0).lt(1))).toBe('number > 0, < 1');
    expect(describeValueType(z.number().min(0).max(0.9).default(0.1))).toBe('number 0..0.9');
    expect(describeValueType(z.enum(['a', 'b']).optional())).toBe('a|b');
    expect(describeValueType(z.tuple([z.number(), z.number()]))).toBe('[number, number]');
    expect(describeValueType(z.array(z.number().int().positive()))).toBe('list of (integer >= 1)');
    expect(describeValueType(z.string().nullable())).toBe('string|null');
  });

  it('finds the schema of a config key by its dotted path', () => {
    expect(describeValueType(configValueSchema('data.sampling.numFrames', a2dConfigSchema) ?? z.never())).toBe('integer >= 1');
    expect(configValueSchema('data.nothing')).toBeUndefined();
  });
});
