/**
 * The pure arithmetic of bench:accounts: percentiles (with calls not final yet counted as lower bounds),
 * overlapping claims in the pass log, and one run's figures from what the run recorded. No I/O here.
 */

/** Nearest-rank percentile of ascending values (p in 0..100); undefined for none. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** A value that is only known to be at least `ms`: a call that was not final yet when the run ended. */
export interface Bounded {
  ms: number;
  censored: boolean;
}

/**
 * The percentile of values some of which are lower bounds. Their true values can only be larger, so the
 * figure is a lower bound itself unless every censored value already lies above it.
 */
export function boundedPercentile(values: readonly Bounded[], p: number): Bounded | undefined {
  const sorted = [...values].sort((a, b) => a.ms - b.ms);
  const at = percentile(sorted.map((v) => v.ms), p);
  if (at === undefined) return undefined;
  return { ms: at, censored: sorted.some((v) => v.censored && v.ms <= at) };
}

/** One claim of an account by a worker, as the pass log records it (epoch ms; endedAt null: still held). */
export interface Claim {
  account: string;
  worker: string;
  claimedAt: number;
  endedAt: number | null;
  outcome: string | null;
}

/**
 * Pairs of claims of one account whose intervals overlap: the account was held twice at once. A claim
 * still open counts as held until `openUntil` (when the run looked). Touching ends do not overlap.
 */
export function doubleClaims(claims: readonly Claim[], openUntil: number): Array<[Claim, Claim]> {
  const byAccount = new Map<string, Claim[]>();
  for (const c of claims) byAccount.set(c.account, [...(byAccount.get(c.account) ?? []), c]);
  const found: Array<[Claim, Claim]> = [];
  for (const list of byAccount.values()) {
    list.sort((a, b) => a.claimedAt - b.claimedAt);
    // Sweep: `holder` is the claim reaching furthest so far; any later start before its end overlaps it.
    let holder: Claim | undefined;
    for (const c of list) {
      const end = (x: Claim) => x.endedAt ?? openUntil;
      if (holder && c.claimedAt < end(holder)) found.push([holder, c]);
      if (!holder || end(c) > end(holder)) holder = c;
    }
  }
  return found;
}

/** A call that became visible in an account's simulated call log during the run. */
export interface VisibleCall {
  account: string;
  callId: string;
  visibleAt: number;
}

/** Visibility to final disposition per call: censored at `end` when not final by then. */
export function callLatencies(calls: readonly VisibleCall[], finalAt: ReadonlyMap<string, number>, end: number): Array<Bounded & { account: string; visibleAt: number }> {
  return calls.map((c) => {
    const at = finalAt.get(`${c.account}/${c.callId}`);
    return at === undefined ? { account: c.account, visibleAt: c.visibleAt, ms: Math.max(0, end - c.visibleAt), censored: true } : { account: c.account, visibleAt: c.visibleAt, ms: Math.max(0, at - c.visibleAt), censored: false };
  });
}

/** p50 and p99 of each account's own calls, then those per-account figures' p50 and p99 across accounts. */
export function perAccount(latencies: ReadonlyArray<Bounded & { account: string }>): { p50: { p50?: Bounded; p99?: Bounded }; p99: { p50?: Bounded; p99?: Bounded } } {
  const byAccount = new Map<string, Bounded[]>();
  for (const l of latencies) byAccount.set(l.account, [...(byAccount.get(l.account) ?? []), l]);
  const medians: Bounded[] = [];
  const tails: Bounded[] = [];
  for (const list of byAccount.values()) {
    medians.push(boundedPercentile(list, 50)!);
    tails.push(boundedPercentile(list, 99)!);
  }
  const across = (vs: Bounded[]) => ({ p50: boundedPercentile(vs, 50), p99: boundedPercentile(vs, 99) });
  return { p50: across(medians), p99: across(tails) };
}

/**
 * Throughput from the pass log: passes ended per minute; each account's first successful pass (at the start
 * every account is due at once, so the first sweep's pace is the workers' capacity, not the schedule's).
 */
export function throughput(claims: readonly Claim[], start: number, end: number, accounts: number): {
  passesPerMinute: number;
  failedPasses: number;
  firstSyncs: number;
  /** ms after start when half of all accounts / every account had completed a first pass. */
  firstSyncP50?: number | undefined;
  allSyncedAt?: number | undefined;
  /** First passes completed a minute until every account had one (or until the end). */
  firstSweepPerMinute: number;
  /** How long an account's first successful pass took (p50; a backfill, heavier than later passes). */
  firstPassP50?: number | undefined;
} {
  const ended = claims.filter((c) => c.endedAt !== null && c.endedAt >= start && c.endedAt <= end);
  const first = new Map<string, Claim>();
  for (const c of ended) if (c.outcome === 'success' && c.endedAt! < (first.get(c.account)?.endedAt ?? Infinity)) first.set(c.account, c);
  const firsts = [...first.values()].map((c) => c.endedAt! - start).sort((a, b) => a - b);
  const allSyncedAt = firsts.length === accounts ? firsts.at(-1) : undefined;
  return {
    passesPerMinute: ended.length / ((end - start) / 60_000),
    failedPasses: ended.filter((c) => c.outcome !== 'success').length,
    firstSyncs: firsts.length,
    firstSyncP50: firsts.length >= accounts / 2 ? firsts[Math.ceil(accounts / 2) - 1] : undefined,
    allSyncedAt,
    firstSweepPerMinute: firsts.length / ((allSyncedAt ?? end - start) / 60_000),
    firstPassP50: percentile([...first.values()].map((c) => c.endedAt! - c.claimedAt).sort((a, b) => a - b), 50),
  };
}

/**
 * Whether the schedule "* * * * *" was kept: of every whole clock minute in [from, to) and every account,
 * the share with a claim of that account in that minute; undefined when no whole minute fits.
 */
export function scheduleKept(claims: readonly Claim[], accounts: readonly string[], from: number, to: number): { minutes: number; kept: number | undefined } {
  const first = Math.ceil(from / 60_000) * 60_000;
  const minutes = Math.max(0, Math.floor((to - first) / 60_000));
  if (minutes === 0 || accounts.length === 0) return { minutes, kept: undefined };
  const hit = new Set<string>();
  for (const c of claims) {
    const minute = Math.floor((c.claimedAt - first) / 60_000);
    if (minute >= 0 && minute < minutes) hit.add(`${c.account}/${minute}`);
  }
  const wanted = new Set(accounts);
  return { minutes, kept: [...hit].filter((k) => wanted.has(k.slice(0, k.lastIndexOf('/')))).length / (minutes * accounts.length) };
}

/**
 * How long passes ended in the window took (p50/p99), and how many were under way on average over the
 * window (claims still open count until `openUntil`): beside the workers' slots, whether they were all busy.
 */
export function passTimes(claims: readonly Claim[], start: number, end: number, openUntil: number): { p50?: number | undefined; p99?: number | undefined; inFlight: number } {
  const durations = claims.filter((c) => c.endedAt !== null && c.endedAt >= start && c.endedAt <= end).map((c) => c.endedAt! - c.claimedAt).sort((a, b) => a - b);
  let busy = 0;
  for (const c of claims) busy += Math.max(0, Math.min(end, c.endedAt ?? openUntil) - Math.max(start, c.claimedAt));
  return { p50: percentile(durations, 50), p99: percentile(durations, 99), inFlight: busy / (end - start) };
}

/** "12.3 s", "≥ 95.0 s" for a lower bound, "–" for nothing. */
export function seconds(v: Bounded | number | undefined): string {
  if (v === undefined) return '–';
  const b = typeof v === 'number' ? { ms: v, censored: false } : v;
  return `${b.censored ? '≥ ' : ''}${(b.ms / 1000).toFixed(1)} s`;
}

/** A left-labelled table: one column per run. */
export function table(header: string[], rows: Array<[string, ...string[]]>): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}
