import { describe, expect, it } from 'vitest';
import { CLEAR_LINE, TerminalConsole, showOnTerminal } from '../../src/cli/console.ts';
import { createLogger } from '../../src/logger.ts';
import { FakeTerminal, replayTerminal } from '../helpers/terminal.ts';

describe('which log records a terminal shows', () => {
  it.each([
    { record: { level: 30, stream: 'call-log' }, detail: false, shown: false, why: 'info of a stream run: the pass line sums it up' },
    { record: { level: 30, stream: 'call-log' }, detail: true, shown: true, why: 'LOG_LEVEL debug shows the detail' },
    { record: { level: 20, stream: 'call-log' }, detail: true, shown: true, why: 'debug of a run, at debug' },
    { record: { level: 40, stream: 'voicemails' }, detail: false, shown: true, why: 'a warning of a run' },
    { record: { level: 50, stream: 'call-log' }, detail: false, shown: true, why: 'an error of a run' },
    { record: { level: 30 }, detail: false, shown: true, why: 'info outside a run (start-up, API, login)' },
  ])('$why', ({ record, detail, shown }) => expect(showOnTerminal(record, detail)).toBe(shown));
});

describe('TerminalConsole', () => {
  it('writes log records as single pretty lines, leaving out stream-run info unless asked for detail', () => {
    const tty = new FakeTerminal();
    const logger = createLogger('info', new TerminalConsole(tty, { detail: false, colorize: false }).destination);
    logger.info({ port: 8080 }, 'API listening');
    logger.child({ stream: 'call-log' }).info({ inserted: 3, requests: { Heavy: 1 } }, 'sync run finished');
    logger.child({ stream: 'call-log' }).warn({ errorCode: 'CMN-301' }, 'RingCentral rate limit hit (429)');
    const { lines, current } = replayTerminal(tty.output);
    expect(current).toBe('');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: API listening \{"port":8080\}$/);
    expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: RingCentral rate limit hit \(429\) \{.*"errorCode":"CMN-301".*\}$/);
  });

  it('keeps the status line at the bottom: a log line erases it, prints, and draws it again, in one write', () => {
    const tty = new FakeTerminal(40);
    const terminal = new TerminalConsole(tty, { detail: true, colorize: true });
    let n = 0;
    terminal.showStatus((columns) => `bar ${n} ${'='.repeat(100)}`.slice(0, columns! - 1));
    n = 1;
    terminal.print('one\n');
    const logger = createLogger('info', terminal.destination);
    logger.info('two');
    n = 2;
    terminal.refresh();
    terminal.refresh(); // unchanged: not drawn again
    const whileShown = tty.writes.length;
    terminal.hideStatus();
    terminal.print('after');
    expect(tty.writes.slice(1, whileShown).every((w) => w.startsWith('\r'))).toBe(true);
    expect(tty.writes.filter((w) => w.startsWith(CLEAR_LINE) && w.includes('one\n'))).toHaveLength(1);
    expect(tty.writes).toHaveLength(whileShown + 2);
    const { lines, current } = replayTerminal(tty.output);
    expect(lines[0]).toBe('one');
    expect(lines[1]).toMatch(/INFO: two$/);
    expect(lines[2]).toBe('after');
    expect(lines).toHaveLength(3);
    expect(current).toBe('');
    // While shown, the bar is always the last line and no wider than the terminal.
    const shown = replayTerminal(tty.writes.slice(0, whileShown).join(''));
    expect(shown.current).toBe(`bar 2 ${'='.repeat(33)}`);
  });
});
