import { createInterruptHandler, signalExitCode } from './interrupt';

describe('createInterruptHandler', () => {
  function handler() {
    let clock = 0;
    const events: string[] = [];
    const interrupts = createInterruptHandler({
      windowMs: 1500,
      now: () => clock,
      onInterrupt: (signal) => events.push(`save after ${signal}`),
      onForceExit: (signal, code) => events.push(`exit ${code} on ${signal}`),
    });
    return { interrupts, events, advance: (ms: number) => (clock += ms) };
  }

  it('counts a Ctrl-C that arrives twice (terminal + npx/Nx forwarding) as one: saves, does not exit', () => {
    const { interrupts, events, advance } = handler();
    interrupts.handle('SIGINT');
    advance(3);
    interrupts.handle('SIGINT');
    advance(1000);
    interrupts.handle('SIGINT');
    expect(events).toEqual(['save after SIGINT']);
    expect(interrupts.signal()).toBe('SIGINT');
  });

  it('a signal after the window exits at once, with the code of the first signal', () => {
    const { interrupts, events, advance } = handler();
    interrupts.handle('SIGTERM');
    advance(1501);
    interrupts.handle('SIGINT');
    expect(events).toEqual(['save after SIGTERM', 'exit 143 on SIGINT']);
  });

  it('exit codes are 128 + the signal number', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
    expect(signalExitCode('SIGHUP')).toBe(129);
  });
});
