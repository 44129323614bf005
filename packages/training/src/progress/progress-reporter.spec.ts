import { stripVTControlCharacters as visible } from 'node:util';
import { ProgressReporter, type ProgressStream } from './progress-reporter';

/** A stream that records what is written; `isTTY` as a terminal or a pipe would report it. */
function fakeStream(isTTY: boolean): ProgressStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, columns: 160, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

describe('ProgressReporter', () => {
  it('prints only logged lines and one line per epoch on a stream that is not a terminal', () => {
    const stream = fakeStream(false);
    const reporter = new ProgressReporter(stream);
    expect(reporter.mode).toBe('lines');
    reporter.log('resuming from epoch 2');
    reporter.startEpoch(2, 100);
    for (let batch = 1; batch <= 100; batch++) reporter.update(batch, { loss: 1 / batch, acc: 0.5, clipsPerSecond: 40 });
    reporter.endEpoch('epoch 2: loss 0.0500 acc 50.0%');
    reporter.stop();
    expect(stream.text()).toBe('resuming from epoch 2\nepoch 2: loss 0.0500 acc 50.0%\n');
  });

  it('prints only the epoch lines and warnings when quiet, even on a terminal', () => {
    const stream = fakeStream(true);
    const reporter = new ProgressReporter(stream, { quiet: true });
    expect(reporter.mode).toBe('quiet');
    reporter.startEpoch(1, 10);
    reporter.update(5, { loss: 0.5 });
    reporter.log('not shown');
    reporter.warn('skipping v1: corrupt video');
    reporter.endEpoch('epoch 1 done');
    expect(stream.text()).toBe('warning: skipping v1: corrupt video\nepoch 1 done\n');
  });

  it('draws a live bar with the running figures on a terminal, logs above it, and ends with the summary', () => {
    const stream = fakeStream(true);
    const reporter = new ProgressReporter(stream);
    expect(reporter.mode).toBe('live');
    reporter.startEpoch(3, 10);
    expect(visible(stream.text())).toMatch(/epoch 3 \[-+\] 0\/10 \| loss - \| acc - \| - clips\/s/);

    reporter.update(4, { loss: 0.123456, acc: 0.375, clipsPerSecond: 12.34 });
    reporter.warn('slow decode');
    reporter.log('checkpoint saved');
    const afterLog = stream.text();
    expect(visible(afterLog)).toMatch(/warning: slow decode\n.*checkpoint saved\n/s);
    // The line is printed on a cleared line, and the bar is drawn again below it with the new figures.
    expect(afterLog).toContain('\r\x1b[2Kcheckpoint saved\n');
    const redrawn = visible(afterLog.slice(afterLog.indexOf('checkpoint saved')));
    expect(redrawn).toMatch(/epoch 3 \[=+-+\] 4\/10 \| loss 0\.1235 \| acc 37\.5% \| 12\.3 clips\/s \| \S+<\S+/);

    reporter.endEpoch('epoch 3: loss 0.1000');
    const end = stream.text();
    expect(end.endsWith('epoch 3: loss 0.1000\n')).toBe(true);
    // The bar's line was cleared (not left above the summary).
    expect(end.slice(end.lastIndexOf('4/10'))).toContain('\x1b[2K');
    reporter.stop();
    expect(stream.text()).toBe(end);
  });

  it('follows an explicit isTTY over the stream, and a new epoch replaces an unfinished bar', () => {
    const piped = fakeStream(false);
    const forced = new ProgressReporter(piped, { isTTY: true });
    forced.startEpoch(1, 2, 'eval');
    forced.startEpoch(2, 5);
    forced.update(5);
    forced.stop();
    expect(visible(piped.text())).toMatch(/eval \[-+\] 0\/2/);
    expect(visible(piped.text())).toMatch(/epoch 2 \[=+\] 5\/5/);

    const terminal = fakeStream(true);
    const plain = new ProgressReporter(terminal, { isTTY: false });
    plain.startEpoch(1, 2);
    plain.update(1);
    plain.stop();
    expect(terminal.text()).toBe('');
  });
});
