import { prettyFactory } from 'pino-pretty';

/** Where the console writes: a terminal (process.stdout on a TTY), or a stand-in with isTTY and columns. */
export interface TerminalStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** pino's number for warn: warnings and errors always reach the terminal. */
const WARN = 40;

/**
 * Which log records a terminal shows. The info records of a stream run (they carry `stream`) are what a
 * pass line or the progress bar already sums up; they show with `detail` (LOG_LEVEL debug or trace). Warnings,
 * errors and everything outside a run (start-up, the API, logins) always show.
 */
export function showOnTerminal(record: { level?: unknown; stream?: unknown }, detail: boolean): boolean {
  return detail || typeof record.level !== 'number' || record.level >= WARN || record.stream === undefined;
}

/** Carriage return, then erase the whole line. */
export const CLEAR_LINE = '\r\x1b[2K';
/** Erase from the cursor to the end of the line. */
const CLEAR_RIGHT = '\x1b[K';

/**
 * The terminal's one writer: log records (pretty, one line each), whole lines of output, and at most one
 * status line (the progress bar) kept at the bottom. While the status line shows, everything else is
 * written by erasing it, writing complete lines, and drawing it again, each in a single write — so no log
 * record ever lands inside the bar.
 */
export class TerminalConsole {
  /** A pino destination: each JSON record is filtered (showOnTerminal), pretty-printed and printed. */
  readonly destination: { write(line: string): void };
  private readonly pretty: (record: object) => string;
  private status: ((columns: number | undefined) => string) | undefined;
  private drawn = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: TerminalStream,
    private readonly options: { detail: boolean; colorize?: boolean },
  ) {
    this.pretty = prettyFactory({ colorize: options.colorize ?? true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true });
    this.destination = { write: (line) => this.log(line) };
  }

  /** Prints complete lines (each ending in a newline) above the status line, if one shows. */
  print(text: string): void {
    if (text === '') return;
    const lines = text.endsWith('\n') ? text : `${text}\n`;
    if (!this.status) {
      this.out.write(lines);
      return;
    }
    this.drawn = this.status(this.out.columns);
    this.out.write(`${CLEAR_LINE}${lines}${this.drawn}${CLEAR_RIGHT}`);
  }

  /** Shows a status line drawn by `render(columns)`, redrawn every `refreshMs` (so countdowns move) and on refresh(). */
  showStatus(render: (columns: number | undefined) => string, refreshMs = 1000): void {
    this.hideStatus();
    this.status = render;
    this.drawn = '';
    this.refresh();
    this.timer = setInterval(() => this.refresh(), refreshMs);
    this.timer.unref();
  }

  /** Redraws the status line if what it shows has changed. */
  refresh(): void {
    if (!this.status) return;
    const line = this.status(this.out.columns);
    if (line === this.drawn) return;
    this.drawn = line;
    this.out.write(`\r${line}${CLEAR_RIGHT}`);
  }

  /** Erases the status line and stops redrawing it. */
  hideStatus(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.status) return;
    this.status = undefined;
    this.out.write(CLEAR_LINE);
  }

  private log(line: string): void {
    let record: { level?: unknown; stream?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      this.print(line);
      return;
    }
    if (showOnTerminal(record, this.options.detail)) this.print(this.pretty(record));
  }
}
