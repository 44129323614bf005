import { z } from 'zod';
import { closestName } from './closest-name';
import { booleanFlag, listFlag, numberFlag, parseCommandLine, runCommandLine, stringFlag } from './command-line';
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

  it('exits 2 with a stack on a bug, and passes the body exit code through', async () => {
    const bug = capture();
    await runCommandLine('x', 'u', async () => { throw new TypeError('boom'); }, bug.io);
    expect(bug.codes).toEqual([2]);
    expect(bug.lines[0]).toMatch(/internal error: TypeError: boom/);
    const fine = capture();
    expect(await runCommandLine('x', 'u', async () => 3, fine.io)).toBe(3);
  });
});
