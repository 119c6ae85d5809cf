import type { RecentRun } from '../../store/status-reads.ts';
import type { StatusFacts, StreamStatus } from '../../sync/status-facts.ts';
import { barsOf, dailyChart, dispositionsOf, legend, rowChart, type Bar } from './charts.ts';
import { escapeHtml as e } from './escape.ts';
import { MAX_EXTENSION_BARS, MAX_RUNS, type StatusSnapshot } from './snapshot.ts';

/*
 * The status page as one HTML document: inline CSS and SVG, no script, nothing loaded from anywhere (the
 * route's Content-Security-Policy allows nothing else). Every value from the database is escaped: extension
 * names and error texts are other people's data.
 */

/** Seconds between the page's own reloads: a status page is left open on a screen. */
export const REFRESH_SECONDS = 60;
/** Latest runs listed one by one (the day's totals per stream cover the rest). */
const LISTED_RUNS = 50;
/** Failed runs of the day listed one by one. */
const LISTED_FAILURES = 20;

export type Health = 'ok' | 'warning' | 'failing' | 'running' | 'never';

/** A stream's health in one word, and why. */
export function streamHealth(s: StreamStatus): { health: Health; why: string } {
  if (s.lastRun?.outcome === 'error') return { health: 'failing', why: 'the last run failed' };
  if (s.lastRun?.outcome === 'running') return { health: 'running', why: 'a run is under way' };
  if (!s.lastSuccessAt) return { health: 'never', why: 'no run has succeeded yet' };
  if (s.lastRun?.outcome === 'aborted') return { health: 'warning', why: 'the last run was stopped; the next one resumes it' };
  if (s.lastError) return { health: 'warning', why: 'the last run succeeded but reported a problem' };
  return { health: 'ok', why: 'the last run succeeded' };
}

/** How long before `now` an instant was, in words: "4 min", "2 h 5 min", "3 d 2 h". */
export function duration(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 1) return `${Math.floor(Math.abs(ms) / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

const stamp = (at: Date) => `<time datetime="${e(at.toISOString())}">${e(at.toISOString().replace('T', ' ').slice(0, 19))}</time>`;

const time = (iso: string | Date | null, now: Date, suffix = 'ago') => {
  if (iso === null) return '<span class="none">never</span>';
  const at = typeof iso === 'string' ? new Date(iso) : iso;
  return `${stamp(at)} <span class="age">(${e(duration(now.getTime() - at.getTime()))} ${suffix})</span>`;
};

const requestsText = (requests: Record<string, number>) => Object.entries(requests).filter(([, n]) => n > 0).map(([g, n]) => `${g} ${n}`).join(', ') || 'none';

function streamsSection(facts: StatusFacts, now: Date): string {
  if (facts.accounts.length === 0) return '<section><h2>Streams</h2><p>Nothing synced yet: run <code>callsync sync</code> or <code>callsync start</code>.</p></section>';
  return `<section><h2>Streams</h2>${facts.accounts.map((account) => {
    const rows = account.streams.map((s) => {
      const { health, why } = streamHealth(s);
      const run = s.lastRun;
      const error = s.lastError ? `${s.lastError.errorCode ? `<code>${e(s.lastError.errorCode)}</code> ` : ''}${e(s.lastError.message)}` : '<span class="none">—</span>';
      return `<tr class="stream" data-stream="${e(s.stream)}" data-health="${health}">`
        + `<th scope="row">${e(s.stream)}${s.fastPath ? `<div class="note">fast path: ${e(s.fastPath.description)}</div>` : ''}</th>`
        + `<td><span class="badge ${health}" title="${e(why)}">${health}</span></td>`
        + `<td>${time(s.lastSuccessAt, now)}</td>`
        + `<td>${s.syncedThrough ? time(s.syncedThrough, now, 'behind') : '<span class="none">—</span>'}${s.inProgress ? '<div class="note">a pass is in progress; the next run resumes it</div>' : ''}</td>`
        + `<td class="n">${s.rowsWritten}</td>`
        + `<td>${run ? `${e(run.outcome)}, ${time(run.startedAt, now)}<div class="note">requests ${e(requestsText(run.requests))}; 429s ${run.rateLimited}</div>` : '<span class="none">—</span>'}</td>`
        + `<td class="error">${error}</td></tr>`;
    }).join('');
    const m = account.mailboxes;
    const mailboxes = m
      ? `<p class="note">Mailboxes: ${m.total}, ${m.read} read (the least recently ${m.leastRecentlyReadAt ? time(m.leastRecentlyReadAt, now) : 'never'}), ${m.voicemailRowsWritten} voicemail rows written${m.refused ? `; ${m.refused} refused by RingCentral (${e(m.refusedErrorCodes.join(', '))})` : ''}.</p>`
      : '';
    return `<h3>Account ${e(account.id)}${account.name ? ` — ${e(account.name)}` : ''}</h3>`
      + `<table><thead><tr><th>stream</th><th>health</th><th>last success</th><th>synced through</th><th>rows written</th><th>last run</th><th>last error</th></tr></thead><tbody>${rows}</tbody></table>${mailboxes}`;
  }).join('')}</section>`;
}

function runsSection(runs: StatusSnapshot['runs'], now: Date): string {
  const head = `<h2>Runs of the last 24 hours</h2>${runs.more ? `<p class="note">Showing the latest ${MAX_RUNS} runs only.</p>` : ''}`;
  if (runs.list.length === 0) return `<section>${head}<p>No run in the last 24 hours.</p></section>`;
  const multi = new Set(runs.list.map((r) => r.accountId)).size > 1;
  const name = (r: RecentRun) => (multi ? `${r.accountId} ${r.stream}` : r.stream);
  const totals = new Map<string, { runs: number; outcomes: Record<string, number>; inserted: number; updated: number; requests: number; rateLimited: number }>();
  for (const r of runs.list) {
    const t = totals.get(name(r)) ?? { runs: 0, outcomes: {}, inserted: 0, updated: 0, requests: 0, rateLimited: 0 };
    t.runs++;
    t.outcomes[r.outcome] = (t.outcomes[r.outcome] ?? 0) + 1;
    t.inserted += r.inserted;
    t.updated += r.updated;
    t.requests += Object.values(r.requests).reduce((n, v) => n + v, 0);
    t.rateLimited += r.rateLimited;
    totals.set(name(r), t);
  }
  const perStream = [...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([stream, t]) =>
    `<tr><th scope="row">${e(stream)}</th><td class="n">${t.runs}</td><td>${e(Object.entries(t.outcomes).map(([o, n]) => `${o} ${n}`).join(', '))}</td>`
    + `<td class="n">${t.inserted}</td><td class="n">${t.updated}</td><td class="n">${t.requests}</td><td class="n">${t.rateLimited}</td></tr>`).join('');
  const runRow = (r: RecentRun) => `<tr class="run ${e(r.outcome)}"><td>${time(r.startedAt, now)}</td><th scope="row">${e(name(r))}</th><td>${e(r.outcome)}</td>`
    + `<td class="n">${r.finishedAt ? e(duration(r.finishedAt.getTime() - r.startedAt.getTime())) : '—'}</td><td class="n">${r.inserted}</td><td class="n">${r.updated}</td>`
    + `<td>${e(requestsText(r.requests))}</td><td class="n">${r.rateLimited}</td><td class="error">${r.error ? `${r.errorCode ? `<code>${e(r.errorCode)}</code> ` : ''}${e(r.error)}` : ''}</td></tr>`;
  const runHead = '<thead><tr><th>started</th><th>stream</th><th>outcome</th><th>took</th><th>inserted</th><th>updated</th><th>requests</th><th>429s</th><th>error</th></tr></thead>';
  const failures = runs.list.filter((r) => r.outcome === 'error').slice(0, LISTED_FAILURES);
  return `<section>${head}`
    + `<table><thead><tr><th>stream</th><th>runs</th><th>outcomes</th><th>inserted</th><th>updated</th><th>requests</th><th>429s</th></tr></thead><tbody>${perStream}</tbody></table>`
    + (failures.length ? `<h3>Failed runs</h3><table>${runHead}<tbody>${failures.map(runRow).join('')}</tbody></table>` : '')
    + `<h3>Latest runs</h3><table id="runs">${runHead}<tbody>${runs.list.slice(0, LISTED_RUNS).map(runRow).join('')}</tbody></table></section>`;
}

/** The bars of both charts, as the page draws them. */
export function chartBars(d: StatusSnapshot['dispositions']): { byDay: Bar[]; byExtension: Bar[] } {
  return {
    byDay: barsOf(d.byDay, (r) => r.day ?? '', (day) => day, { order: d.days }),
    byExtension: barsOf(d.byExtension, (r) => r.extension_id ?? '', (id) => (id === '' ? '(no extension)' : d.extensionLabels[id] ?? id), { limit: MAX_EXTENSION_BARS, rest: (n) => `${n} other extensions` }),
  };
}

function dataTable(bars: readonly Bar[], caption: string): string {
  const dispositions = dispositionsOf(bars);
  const rows = bars.map((b) => `<tr><th scope="row">${e(b.label)}</th>${dispositions.map((d) => `<td class="n">${b.segments.find((s) => s.disposition === d)?.count ?? 0}</td>`).join('')}<td class="n">${b.total}</td></tr>`).join('');
  return `<details><summary>${e(caption)} as a table</summary><table><thead><tr><th></th>${dispositions.map((d) => `<th>${e(d)}</th>`).join('')}<th>total</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

function chartsSection(d: StatusSnapshot['dispositions']): string {
  const { byDay, byExtension } = chartBars(d);
  const period = `${d.days[0]} to ${d.days[d.days.length - 1]} (UTC, by call start)`;
  if (byDay.length === 0) return `<section><h2>Dispositions, ${e(period)}</h2><p>No calls in this period.</p></section>`;
  return `<section><h2>Dispositions, ${e(period)}</h2>${legend([...byDay, ...byExtension])}`
    + `<h3>Per day</h3><figure id="chart-days">${dailyChart(d.days, byDay)}</figure>${dataTable(byDay, 'Calls per day')}`
    + `<h3>Per extension</h3><figure id="chart-extensions">${rowChart(byExtension)}</figure>${dataTable(byExtension, 'Calls per extension')}</section>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222;background:#fafafa}
h1{font-size:1.4rem;margin:0 0 .2rem}h2{font-size:1.15rem;margin:1.8rem 0 .5rem;border-bottom:1px solid #ddd}h3{font-size:1rem;margin:1rem 0 .4rem}
table{border-collapse:collapse;background:#fff;margin:.3rem 0}th,td{border:1px solid #e2e2e2;padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:#f0f0f0;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.note,.age{color:#666;font-size:.85em}.none{color:#999}.error{max-width:32rem;word-break:break-word}code{font-size:.9em}
.badge{display:inline-block;padding:0 .5rem;border-radius:.7rem;color:#fff;font-weight:600}
.badge.ok{background:#2e7d32}.badge.warning{background:#ef6c00}.badge.failing{background:#c62828}.badge.running{background:#1565c0}.badge.never{background:#757575}
tr.run.error td{background:#fdecea}figure{margin:.5rem 0;background:#fff;border:1px solid #e2e2e2;display:inline-block;padding:.5rem}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1rem}.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
`;

/** The whole page for `snapshot`, read at `now`. Pure. */
export function renderStatusPage(snapshot: StatusSnapshot, now: Date): string {
  return '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
    + `<meta http-equiv="refresh" content="${REFRESH_SECONDS}"><meta name="referrer" content="no-referrer"><title>callsync status</title><style>${STYLE}</style></head><body>`
    + `<h1>callsync status</h1><p class="note">As of ${stamp(now)} (UTC); reloads every ${REFRESH_SECONDS} s.</p>`
    + streamsSection(snapshot.facts, now) + runsSection(snapshot.runs, now) + chartsSection(snapshot.dispositions)
    + '</body></html>';
}
