/**
 * An instant given to the API, to PostgreSQL's precision. A Date holds milliseconds; PostgreSQL and many
 * clients (Python's isoformat, Java's Instant) write microseconds, and an inclusive bound cut to the
 * millisecond would take in calls that started just before it. `exact` is the instant in UTC with six
 * fractional digits: what SQL compares with.
 */
export class Instant extends Date {
  constructor(
    ms: number,
    /** Microseconds past `ms`, 0–999. */
    readonly microsPastMs: number,
  ) {
    super(ms);
  }

  get exact(): string {
    return `${this.toISOString().slice(0, -1)}${String(this.microsPastMs).padStart(3, '0')}Z`;
  }
}

/** Text of an instant for SQL: an Instant's microseconds kept, any other Date to the millisecond. */
export const instantText = (date: Date): string => (date instanceof Instant ? date.exact : date.toISOString());

/** Whether a is later than b, to the microsecond. */
export const isAfter = (a: Date, b: Date): boolean =>
  a.getTime() !== b.getTime() ? a.getTime() > b.getTime() : instantMicros(a) > instantMicros(b);

const instantMicros = (date: Date) => (date instanceof Instant ? date.microsPastMs : 0);

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (year: number, month: number) => [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;

/** Milliseconds since the epoch of a UTC date and time (Date.UTC reads years 0–99 as 1900–1999). */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

/** The earliest and latest instants accepted: years 1–9999 in UTC, what ISO-8601 writes in four digits. */
const MIN_MS = utcMs(1, 1, 1);
const MAX_MS = utcMs(9999, 12, 31, 23, 59, 59, 999);

/**
 * Parses RFC 3339 (ISO-8601 with an offset; seconds optional). Returns the reason when `text` is not one:
 * a day the month does not have, an hour past 23, a year outside 1–9999 once in UTC. Digits past the
 * microsecond are rounded, as PostgreSQL does.
 */
export function parseInstant(text: string): Instant | { error: string } {
  const m = RFC3339.exec(text);
  if (!m) return { error: 'use ISO-8601 with an offset, e.g. 2026-11-01T08:00:00Z' };
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return { error: `there is no month ${m[2]}` };
  if (day < 1 || day > daysIn(year, month)) return { error: `${year}-${m[2]} has no day ${m[3]}` };
  if (hour > 23 || minute > 59 || second > 59) return { error: `${m[4]}:${m[5]}${m[6] ? `:${m[6]}` : ''} is not a time of day` };
  const offsetMinutes = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (!m[8] && (Number(m[10]) > 23 || Number(m[11]) > 59)) return { error: `${m[9]}${m[10]}:${m[11]} is not a UTC offset` };
  const micros = Math.round(Number((m[7] ?? '').padEnd(9, '0')) / 1000); // 0–1,000,000: may carry a second
  const ms = utcMs(year, month, day, hour, minute, second) - offsetMinutes * 60_000 + Math.floor(micros / 1000);
  if (ms < MIN_MS || ms > MAX_MS) return { error: 'the year must be between 0001 and 9999 in UTC' };
  return new Instant(ms, micros % 1000);
}
