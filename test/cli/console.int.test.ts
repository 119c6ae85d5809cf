import { afterEach, describe, expect, it } from 'vitest';
import { runBackfill } from '../../src/cli/commands/backfill.ts';
import { reportedPass } from '../../src/cli/commands/start.ts';
import { TerminalConsole } from '../../src/cli/console.ts';
import { createLogger } from '../../src/logger.ts';
import { ExitCode } from '../../src/cli/exit-codes.ts';
import { databaseKind } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';
import { FakeTerminal, replayTerminal } from '../helpers/terminal.ts';

const DAY = 86_400_000;
/** pino-pretty's line start: `[12:05:00] WARN: ...`. */
const LOG_LINE = /^\[\d\d:\d\d:\d\d\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /;
const BAR = /^backfill (call log|voicemails) \[/;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe(`the console on a terminal (${databaseKind})`, () => {
  it('backfill: log lines never land inside the progress bar, and the bar says when it waits for the rate budget', async () => {
    // Two Heavy requests a second: a backfill of several pages must wait for the budget, about a second each time.
    const quick = { limit: 1000, windowSec: 1, penaltySec: 1 };
    harness = await startHarness(
      { seed: 61, history: history(240, 3, 3_600_000), rateLimits: { Heavy: { limit: 2, windowSec: 1, penaltySec: 1 }, Medium: quick, Light: quick, Auth: quick } },
      { SYNC_PAGE_SIZE: '50' },
    );
    const tty = new FakeTerminal(150);
    // Every record, debug included, goes to the terminal: as many log lines as possible while the bar shows.
    const terminal = new TerminalConsole(tty, { detail: true, colorize: true });
    const app = await harness.app({}, { logger: createLogger('debug', terminal.destination) });
    const code = await runBackfill(app, new Date(Date.now() - 4 * DAY), undefined, { status: terminal, print: (text) => terminal.print(text) });
    expect(code, tty.output).toBe(ExitCode.ok);

    const { lines, current } = replayTerminal(tty.output);
    expect(current).toBe('');
    const logLines = lines.filter((l) => LOG_LINE.test(l));
    expect(logLines.length).toBeGreaterThan(5);
    // Each line the terminal keeps is a whole log line or a result line; no bar is left behind, none is mixed in.
    const strays = lines.filter((l) => !LOG_LINE.test(l) && !/^[a-z-]+: (success|error|aborted); /.test(l));
    expect(strays).toEqual([]);
    expect(lines.filter((l) => l.includes('backfill call log [') || l.includes('| ETA '))).toEqual([]);
    expect(lines.filter((l) => /^call-log-backfill: success; 240 new/.test(l))).toHaveLength(1);
    // The bar was drawn, and while it waited it said so.
    const bars = tty.writes.flatMap((w) => w.split('\n')).map((w) => w.replace(/^(\r\x1b\[2K|\r)/, '')).filter((w) => BAR.test(w));
    expect(bars.length).toBeGreaterThan(3);
    expect(bars.some((b) => /\| waiting for the rate budget \(\d+ s\) \| ETA /.test(b))).toBe(true);
    expect(bars.some((b) => /^backfill call log \[█+\] 100% \| 240 records/.test(b))).toBe(true);
  });

  it('start: one line per pass on a terminal (warnings still on their own line); per-stream records without one', async () => {
    harness = await startHarness({ seed: 62, history: history(120, 3, 3_600_000) });
    const tty = new FakeTerminal();
    const terminal = new TerminalConsole(tty, { detail: false, colorize: false });
    const logger = createLogger('info', terminal.destination);
    const app = await harness.app({}, { logger });
    const before = tty.writes.length;
    // A 503 with Retry-After: a warning, and a wait for the rate budget the pass line reports.
    harness.sim.faults.set({ serverErrors: { count: 1, group: 'Heavy', status: 503 } });
    const results = await reportedPass(app, { logger, terminal, summaries: true });
    expect(results.every((r) => r.outcome === 'success')).toBe(true);

    const { lines } = replayTerminal(tty.writes.slice(before).join(''));
    const passLines = lines.filter((l) => / pass (ok|failed|stopped) · /.test(l));
    expect(passLines).toHaveLength(1);
    expect(passLines[0]).toMatch(/^\d\d:\d\d:\d\d pass ok · (extensions \d+ · )?call-log 120 · .*derive \d+ · \d+ requests \(\d+ Heavy[^)]*\)( · .+)? · [\d.]+ (s|min)( \d+ s)?$/);
    expect(passLines[0]).toMatch(/ · waited [\d.]+ s for the rate budget · /);
    expect(lines.filter((l) => /WARN: RingCentral unavailable \(503\); waiting Retry-After/.test(l)), lines.join('\n')).toHaveLength(1);
    expect(lines.filter((l) => l !== passLines[0] && !/WARN: /.test(l))).toEqual([]);

    // Without a terminal (JSON lines for log collectors), every stream run keeps its structured record.
    const records: Array<{ msg: string; stream?: string; inserted?: number }> = [];
    const jsonLogger = createLogger('info', { write: (line: string) => void records.push(JSON.parse(line) as (typeof records)[number]) });
    const jsonApp = await harness.app({}, { logger: jsonLogger });
    const second = await reportedPass(jsonApp, { logger: jsonLogger, terminal: undefined, summaries: true });
    const finished = records.filter((r) => r.msg === 'sync run finished');
    expect(finished.map((r) => r.stream)).toEqual(second.map((r) => r.stream));
    expect(second.map((r) => records.some((rec) => rec.msg.startsWith(`${r.stream}: success;`)))).toEqual(second.map(() => true));
  });
});
