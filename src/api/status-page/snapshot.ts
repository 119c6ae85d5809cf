import { and, inArray, sql } from 'drizzle-orm';
import { extensions } from '../../schema/index.ts';
import type { Database } from '../../store/db.ts';
import { inScope, scopeCondition, type AccountScope } from '../../store/read-keys.ts';
import { recentRuns, type RecentRun } from '../../store/status-reads.ts';
import { summariseDispositions, type SummaryRow } from '../../store/summary.ts';
import { statusFacts, type StatusFacts } from '../../sync/status-facts.ts';

/** Days the disposition charts cover: today (UTC) and the 13 before it. */
export const CHART_DAYS = 14;

/** The runs period the page lists: the last day. */
export const RUNS_PERIOD_MS = 24 * 3_600_000;

/**
 * Most runs the page reads: a pass every 5 minutes (the default SYNC_SCHEDULE) runs up to 6 streams, about
 * 1,700 runs a day. A faster schedule shows the latest 2,000 and says so, so the page never reads more.
 */
export const MAX_RUNS = 2_000;

/** Most extensions the per-extension chart draws one bar each; the quieter rest share one bar. */
export const MAX_EXTENSION_BARS = 20;

/** Everything the status page shows, read at one moment. */
export interface StatusSnapshot {
  facts: StatusFacts;
  runs: { since: Date; list: RecentRun[]; more: boolean };
  dispositions: {
    /** [from, to) by call start time, whole UTC days. */
    from: Date;
    to: Date;
    /** The period's days, YYYY-MM-DD, oldest first. */
    days: string[];
    /** dispositionSummary(from, to, groupBy: [DAY]) */
    byDay: SummaryRow[];
    /** dispositionSummary(from, to, groupBy: [EXTENSION]) */
    byExtension: SummaryRow[];
    /** "101 Jane Doe" per extension id of byExtension (user data: escape it). */
    extensionLabels: Record<string, string>;
  };
}

/** The UTC days of the chart period ending with `now`'s day: [from, to) and their names. */
export function chartPeriod(now: Date, days = CHART_DAYS): { from: Date; to: Date; days: string[] } {
  const to = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  const from = to - days * 86_400_000;
  const names = Array.from({ length: days }, (_, i) => new Date(from + i * 86_400_000).toISOString().slice(0, 10));
  return { from: new Date(from), to: new Date(to), days: names };
}

/**
 * Reads the page's facts, of the scope's accounts only (an API key's; the operator's signed link reads
 * 'all'), with a bounded number of statements, each bounded in rows: the stream facts of `callsync status`,
 * the newest MAX_RUNS runs, two disposition summaries over CHART_DAYS days (the dispositionSummary query),
 * and the names of the extensions charted.
 */
export async function readStatusSnapshot(database: Database, scope: AccountScope, fastPath: 'extract-sync' | 'off', now: Date): Promise<StatusSnapshot> {
  // statusFacts (src/sync) reads every account's facts; the page keeps the scope's.
  const all = await statusFacts(database.db, fastPath);
  const facts = { ...all, accounts: all.accounts.filter((a) => inScope(scope, a.id)) };
  const since = new Date(now.getTime() - RUNS_PERIOD_MS);
  const runs = await recentRuns(database.db, scope, since, MAX_RUNS);
  const period = chartPeriod(now);
  const byDay = await summariseDispositions(database, scope, period.from, period.to, ['DAY']);
  const byExtension = await summariseDispositions(database, scope, period.from, period.to, ['EXTENSION']);
  const charted = topExtensions(byExtension);
  const extensionLabels: Record<string, string> = {};
  // Labels only for the bars drawn alone: a company's every extension would be a long IN list.
  const named = charted.length
    ? await database.db.select({ id: extensions.id, number: extensions.extensionNumber, name: extensions.name }).from(extensions)
      .where(and(inArray(extensions.id, charted), scopeCondition(sql`${extensions.accountId}`, scope)))
    : [];
  for (const row of named) extensionLabels[row.id] = [row.number, row.name].filter(Boolean).join(' ') || row.id;
  return { facts, runs: { since, list: runs.runs, more: runs.more }, dispositions: { ...period, byDay, byExtension, extensionLabels } };
}

/** The ids of the MAX_EXTENSION_BARS extensions with the most calls (ties by id), the ones drawn alone. */
export function topExtensions(byExtension: readonly SummaryRow[]): string[] {
  const totals = new Map<string, number>();
  for (const r of byExtension) if (r.extension_id !== null) totals.set(r.extension_id, (totals.get(r.extension_id) ?? 0) + r.count);
  return [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_EXTENSION_BARS).map(([id]) => id);
}
