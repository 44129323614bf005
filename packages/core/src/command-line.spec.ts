import { z } from 'zod';
import { closestName } from './closest-name';
import { asksForHelp, booleanFlag, CommandHelpRequest, givenConfigPaths, listFlag, numberFlag, parseCommandLine, runCommandLine, stringFlag } from './command-line';
import { formatCommandHelp } from './command-help';
import { ConfigError, DatasetError } from './errors';

const spec = {
  flags: z.object({
    experimentName: stringFlag().optional(),
    resume: booleanFlag().default(false),
    video: listFlag().optional(),
    epochs: numberFlag().optional(),
  }),
  aliases: { backend: 'engine.backend', batchSize: 'data.loader.batchSize' },
};

describe('parseCommandLine', () => {
  it('parses kebab-case flags, booleans, repeated flags, aliases and dotted overrides', () => {
    const parsed = parseCommandLine(
      ['--experiment-name=run1', '--resume', '--video', 'a.mp4', '--video=b.mp4', '--epochs=3', '--backend=wasm', '--batch-size=4', '--data.root=/x'],
      spec,
    );
    expect(parsed.flags).toEqual({ experimentName: 'run1', resume: true, video: ['a.mp4', 'b.mp4'], epochs: 3 });
    expect(parsed.overrides).toEqual({ engine: { backend: 'wasm' }, data: { root: '/x', loader: { batchSize: 4 } } });
  });

  it('names unknown flags with the closest known one, bad values, and positional arguments, all at once', () => {
    let error: unknown;
    try {
      parseCommandLine(['--experiment-nmae=x', '--resume=maybe', '--epochs=many', 'stray'], spec);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('--experiment-nmae: unknown option (did you mean --experiment-name?)');
    expect(message).toContain('--resume: expected true or false');
    expect(message).toContain('--epochs: expected a number');
    expect(message).toContain('stray: unexpected argument');
  });

  it('names a flag or config path given twice instead of keeping one value silently', () => {
    const message = (() => {
      try {
        parseCommandLine(['--experiment-name=a', '--experiment-name=b', '--epochs=2', '--batch-size=4', '--data.loader.batchSize=8', '--video=x.mp4', '--video=y.mp4'], spec);
      } catch (caught) {
        return (caught as ConfigError).message;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(message).toContain('--experiment-name: given 2 times (--experiment-name=a, --experiment-name=b); give it once');
    expect(message).toContain('data.loader.batchSize: given 2 times (--batch-size=4, --data.loader.batchSize=8); give it once');
    expect(message).not.toContain('expected a value');
    expect(message).not.toContain('--video');
  });

  it('reads --snake_case flags as --kebab-case', () => {
    expect(parseCommandLine(['--experiment_name=x', '--batch_size=3'], spec, { env: {} })).toMatchObject({ flags: { experimentName: 'x' }, overrides: { data: { loader: { batchSize: 3 } } } });
  });

  it('takes back the flags of ours that nx run kept for itself, from the nx command line', () => {
    const env = { NX_INVOCATION_ANCESTOR_PIDS: '4242', NX_TASK_TARGET_PROJECT: 'trainer', NX_TASK_TARGET_TARGET: 'train' };
    const nxArgv = ['node', '/w/node_modules/.bin/nx', 'run', 'trainer:train', '--batch-size=abc', '--epochs=3', '--outputStyle=static', '--verbose'];
    const readArgv = (pid: number) => (pid === 4242 ? nxArgv : undefined);
    // What Nx 24 passes on for that command line: `--batch-size` was parsed as Nx's own `--batch`.
    const parsed = parseCommandLine(['--epochs=3'], spec, { env, readArgv });
    expect(parsed.flags.epochs).toBe(3);
    expect(parsed.overrides).toEqual({ data: { loader: { batchSize: 'abc' } } });
    // The infix form and the spaced form; flags that are Nx's own (or reached us) are left alone.
    const infix = ['node', 'nx', 'train', 'trainer', '--batch-size', '8', '--experiment-name=e'];
    expect(parseCommandLine(['--experiment-name=e'], spec, { env, readArgv: () => infix }).overrides).toEqual({ data: { loader: { batchSize: 8 } } });
    // Not a `nx run` of this task (run-many, another target, no /proc): nothing is taken.
    expect(parseCommandLine(['--epochs=3'], spec, { env, readArgv: () => ['node', 'nx', 'run-many', '-t', 'train', '--batch-size=5'] }).overrides).toEqual({});
    expect(parseCommandLine(['--epochs=3'], spec, { env, readArgv: () => undefined }).overrides).toEqual({});
    expect(parseCommandLine(['--epochs=3'], spec, { env: {}, readArgv }).overrides).toEqual({});
  });

  it('answers --help and -h with the help text before checking anything else', () => {
    const help = (argv: string[]) => {
      try {
        parseCommandLine(argv, { ...spec, name: 'x:y' }, { env: {} });
      } catch (caught) {
        if (caught instanceof CommandHelpRequest) return caught.text;
        throw caught;
      }
      throw new Error('expected the help');
    };
    expect(help(['--help'])).toBe(formatCommandHelp({ ...spec, name: 'x:y' }));
    expect(help(['-h'])).toMatch(/^x:y\n/);
    // Wherever it stands, also after mistakes that would otherwise be errors.
    expect(help(['--epocs=3', 'stray', '--help'])).toContain('--experiment-name=<value>');
    expect(asksForHelp(['--resume', '--help'])).toBe(true);
    expect(asksForHelp(['--help=false'])).toBe(false);
    // `-h` as another flag's value is that value.
    expect(asksForHelp(['--experiment-name', '-h'])).toBe(false);
  });

  it('refuses a config key outside the ones a command takes, naming them (or that it takes none) and what to use', () => {
    const subset = { name: 'x:test', flags: z.object({}), aliases: { root: 'data.root' }, configKeys: ['data.root', 'engine.backend'], configHint: 'the model comes from its checkpoint' };
    expect(parseCommandLine(['--root=/d', '--engine.backend=wasm'], subset, { env: {} }).overrides).toEqual({ data: { root: '/d' }, engine: { backend: 'wasm' } });
    const refused = (argv: string[], command: typeof subset | { name: string; flags: z.ZodObject; configOverrides: boolean; configHint?: string }) => {
      try {
        parseCommandLine(argv, command, { env: {} });
      } catch (caught) {
        return (caught as ConfigError).issues;
      }
      throw new Error('expected a ConfigError');
    };
    expect(refused(['--model.hiddenDim=8', '--data.rot=/d'], subset)).toEqual([
      { path: '--model.hiddenDim', message: 'not a config key of x:test; it takes data.root, engine.backend; the model comes from its checkpoint' },
      { path: '--data.rot', message: 'not a config key of x:test (did you mean --data.root?); it takes data.root, engine.backend; the model comes from its checkpoint' },
    ]);
    expect(refused(['--data.root=/d'], { name: 'x:gen', flags: z.object({}), configOverrides: false, configHint: 'use --out=<dir>' })).toEqual([
      { path: '--data.root', message: 'x:gen takes no config keys; use --out=<dir>' },
    ]);
  });

  it('keeps a config value as text where the key takes text (a folder named 2024), JSON elsewhere', () => {
    const parsed = parseCommandLine(['--data.root=2024', '--epochs=3', '--model.pretrained=null', '--train.workers=2', '--experiment.name=007'], { flags: z.object({}), aliases: { epochs: 'train.epochs' } }, { env: {} });
    expect(parsed.overrides).toEqual({ data: { root: '2024' }, train: { epochs: 3, workers: 2 }, model: { pretrained: null }, experiment: { name: '007' } });
  });

  it('says which config paths the environment and the command line set', () => {
    const given = givenConfigPaths({ env: { A2D_DATA__ROOT: '/d', HOME: '/h', A2D_NATIVE_ADDON: '/a' }, overrides: { data: { sampling: { testViews: 2 } }, engine: { backend: 'wasm' } } });
    expect([...given].sort()).toEqual(['data.root', 'data.sampling.testViews', 'engine.backend']);
  });

  it('suggests only close names', () => {
    expect(closestName('lr', ['learningRate', 'lr2'])).toBe('lr2');
    expect(closestName('zzzzzz', ['epochs', 'resume'])).toBeUndefined();
  });
});

describe('runCommandLine', () => {
  const capture = () => {
    const lines: string[] = [];
    const codes: number[] = [];
    return { lines, codes, io: { error: (line: string) => lines.push(line), exit: (code: number) => codes.push(code) } };
  };

  it('prints our errors as one line and exits 1, with the usage after a command-line mistake', async () => {
    const out = capture();
    await runCommandLine('x:y', 'usage: x:y --a', async () => { throw new ConfigError([{ path: '--a', message: 'unknown option' }], 'command line'); }, out.io);
    expect(out.codes).toEqual([1]);
    expect(out.lines[1]).toBe('usage: x:y --a');
    const data = capture();
    await runCommandLine('x:y', 'usage', async () => { throw new DatasetError('v.csv', 'bad', 3, 'label'); }, data.io);
    expect(data.lines).toEqual(['x:y: v.csv:3: label: bad']);
  });

  it('prints the help to stdout and exits 0 without running the rest of the body', async () => {
    const out = capture();
    const printed: string[] = [];
    let after = false;
    const command = { name: 'x:y', summary: 'does x', flags: z.object({ out: stringFlag().describe('where') }) };
    const code = await runCommandLine(
      command,
      async () => {
        parseCommandLine(['--help'], command, { env: {} });
        after = true;
      },
      { ...out.io, print: (text: string) => printed.push(text) },
    );
    expect([code, out.codes, out.lines, after]).toEqual([0, [0], [], false]);
    expect(printed).toEqual([formatCommandHelp(command)]);
    expect(printed[0]).toMatch(/^x:y: does x\n/);
  });

  it('prints the usage line from the description after a command-line mistake', async () => {
    const out = capture();
    const command = { name: 'x:y', flags: z.object({ out: stringFlag() }), configOverrides: false };
    await runCommandLine(command, async () => void parseCommandLine(['--ot=a'], command, { env: {} }), out.io);
    expect(out.lines).toEqual([
      'x:y: invalid configuration (command line):\n  --ot: unknown option (did you mean --out?)\n  --out: expected a value (--flag=value)',
      'usage: npx nx run x:y --out=<value> [options]   (every option: npx nx run x:y -- --help)',
    ]);
  });

  it('exits 2 with a stack on a bug, and passes the body exit code through', async () => {
    const bug = capture();
    await runCommandLine('x', 'u', async () => { throw new TypeError('boom'); }, bug.io);
    expect(bug.codes).toEqual([2]);
    expect(bug.lines[0]).toMatch(/internal error: TypeError: boom/);
    const fine = capture();
    expect(await runCommandLine('x', 'u', async () => 3, fine.io)).toBe(3);
  });
});
