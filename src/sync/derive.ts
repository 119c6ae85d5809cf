import { sql } from 'drizzle-orm';
import { deriveDisposition, type LinkedVoicemail } from '../core/derive-disposition.ts';
import { findCallbacks } from '../core/find-callbacks.ts';
import { LINK_RULE_VERSION, linkVoicemails } from '../core/link-voicemails.ts';
import type { CallFacts, Disposition } from '../core/types.ts';
import type { Logger } from '../logger.ts';
import type { WriteCounts } from '../store/bulk.ts';
import { pruneCallChanges } from '../store/call-feed.ts';
import { rowsOf, type Database, type Db } from '../store/db.ts';
import { writeCallbacks, writeDispositions, writeLinks, type DispositionRow, type LinkRow } from '../store/derived.ts';
import { loadCallFacts, loadVoicemailFacts, timesToRederive } from '../store/facts.ts';
import { writeSyncState } from '../store/sync-state.ts';
import type { RunContext } from './runner.ts';
import { periodsAround, planWindows, type TimeWindow } from './windows.ts';

export const DERIVE_STREAM = 'derive';

const HOUR = 3_600_000;
/**
 * How far around a change linking looks. A voicemail's candidates started at most a call's length plus the
 * window before it; a call that rings out to voicemail lasts minutes (ring time plus the message), so two
 * hours lets decisions near a chunk's edge see every competitor.
 */
const PAD_MS = 2 * HOUR;
/** Derivation works six hours at a time, so memory stays flat however long the history. */
const CHUNK_MS = 6 * HOUR;
const UNANSWERED: readonly Disposition[] = ['MISSED', 'VOICEMAIL', 'ABANDONED'];

export interface DeriveSettings {
  voicemailWindowSeconds: number;
  callbackHorizonSeconds: number;
}

export interface DeriveContext {
  database: Database;
  accountId: string;
  settings: DeriveSettings;
  logger: Logger;
  now: Date;
  /** Compute and count, but roll every write back. */
  dryRun: boolean;
  /** Runs one chunk's writes in a transaction (the sync runner times and records them). */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
}

export interface DeriveSummary {
  links: WriteCounts;
  dispositions: WriteCounts;
  callbacks: WriteCounts;
  calls: number;
  voicemails: number;
}

const zero = (): WriteCounts => ({ inserted: 0, updated: 0, unchanged: 0 });
const add = (a: WriteCounts, b: WriteCounts) => {
  a.inserted += b.inserted;
  a.updated += b.updated;
  a.unchanged += b.unchanged;
};

/** Adapts a sync run's context: derivation is the last stream of every pass. */
export function deriveContextOf(ctx: RunContext, settings: DeriveSettings): DeriveContext {
  return { database: ctx.database, accountId: ctx.accountId, settings, logger: ctx.logger, now: ctx.now(), dryRun: false, transaction: (fn) => ctx.writeTransaction(fn) };
}

/** The derive stream's job: rederive what the pass changed, and record the counts in its run. */
export async function deriveStream(ctx: RunContext, settings: DeriveSettings, since: Date): Promise<void> {
  const summary = await deriveChanges(deriveContextOf(ctx, settings), since);
  const total = zero();
  for (const part of [summary.links, summary.dispositions, summary.callbacks]) add(total, part);
  await ctx.recordPage(ctx.database.db, total);
  await writeSyncState(ctx.database.db, ctx.accountId, ctx.stream, { syncedThrough: ctx.now(), addRecords: total.inserted + total.updated });
  ctx.logger.info({ calls: summary.calls, voicemails: summary.voicemails, links: summary.links, dispositions: summary.dispositions, callbacks: summary.callbacks }, 'derived links, dispositions and callbacks');
  const pruned = await pruneCallChanges(ctx.database, pruneHorizons.get(ctx.database));
  pruneHorizons.set(ctx.database, pruned.horizon);
  if (pruned.deleted > 0) ctx.logger.debug({ deleted: pruned.deleted }, 'pruned superseded change-feed rows');
}

/** Where each database's last prune of the change feed stopped; a new process starts with one full prune. */
const pruneHorizons = new WeakMap<object, string>();

/** After a sync pass: rederive around everything written since `since`, and every call not final yet. */
export async function deriveChanges(ctx: DeriveContext, since: Date): Promise<DeriveSummary> {
  return derivePeriods(ctx, periodsAround(await timesToRederive(ctx.database.db, ctx.accountId, since), PAD_MS));
}

/** Everything, from the stored raw payloads only (`callsync rederive`). */
export async function deriveAll(ctx: DeriveContext): Promise<DeriveSummary> {
  const [span] = rowsOf<{ first: string | null; last: string | null }>(await ctx.database.db.execute(sql`
    select least(min(start_time), (select min(creation_time) from voicemails where account_id = ${ctx.accountId})) as first,
           greatest(max(start_time), (select max(creation_time) from voicemails where account_id = ${ctx.accountId})) as last
    from calls where account_id = ${ctx.accountId}`));
  if (!span?.first || !span.last) return derivePeriods(ctx, []);
  return derivePeriods(ctx, [{ from: new Date(span.first), to: new Date(new Date(span.last).getTime() + 1) }]);
}

async function derivePeriods(ctx: DeriveContext, periods: TimeWindow[]): Promise<DeriveSummary> {
  const summary: DeriveSummary = { links: zero(), dispositions: zero(), callbacks: zero(), calls: 0, voicemails: 0 };
  for (const period of periods) {
    for (const chunk of planWindows(period.from, period.to, CHUNK_MS)) await deriveChunk(ctx, chunk, summary);
    add(summary.callbacks, await deriveCallbacks(ctx, period));
  }
  return summary;
}

/**
 * Links and dispositions of one chunk. Linking sees PAD_MS beyond the chunk on both sides but only the
 * chunk's own voicemails and calls are written, so neighbouring chunks agree on every decision.
 */
async function deriveChunk(ctx: DeriveContext, chunk: TimeWindow, summary: DeriveSummary): Promise<void> {
  const { db } = ctx.database;
  const from = new Date(chunk.from.getTime() - PAD_MS);
  const to = new Date(chunk.to.getTime() + PAD_MS);
  const [calls, voicemails] = await Promise.all([loadCallFacts(db, ctx.accountId, from, to), loadVoicemailFacts(db, ctx.accountId, from, to)]);
  const inChunk = (d: Date) => d >= chunk.from && d < chunk.to;
  const { links, unlinked } = linkVoicemails(calls, voicemails, { windowSeconds: ctx.settings.voicemailWindowSeconds });

  const voicemailById = new Map(voicemails.map((v) => [v.id, v]));
  const linkedByCall = new Map<string, LinkedVoicemail>();
  for (const link of links) {
    const v = voicemailById.get(link.voicemailId)!;
    linkedByCall.set(link.callId, { voicemailId: v.id, creationTime: v.creationTime, mailboxExtensionId: v.mailboxExtensionId });
  }
  const linkRows: LinkRow[] = [
    ...links.map((l) => ({
      voicemailId: l.voicemailId, callId: l.callId, method: l.method, confidence: l.confidence,
      secondsAfterCallStart: Math.round(l.secondsAfterCallStart), unlinkedReason: null, evidence: l.evidence, ruleVersion: l.ruleVersion,
    })),
    ...unlinked.map((u) => ({
      voicemailId: u.voicemailId, callId: null, method: null, confidence: null, secondsAfterCallStart: null, unlinkedReason: u.reason,
      evidence: { candidateCallIds: u.candidateCallIds, detail: u.detail }, ruleVersion: LINK_RULE_VERSION,
    })),
  ].filter((r) => inChunk(voicemailById.get(r.voicemailId)!.creationTime));

  const chunkCalls = calls.filter((c) => inChunk(c.startTime));
  const dispositionRows = chunkCalls.map((call) => toDispositionRow(ctx, call, linkedByCall.get(call.id)));
  summary.calls += chunkCalls.length;
  summary.voicemails += linkRows.length;

  const counts = await write(ctx, async (tx) => ({
    links: await writeLinks(tx, ctx.accountId, linkRows),
    dispositions: await writeDispositions(tx, ctx.accountId, dispositionRows),
  }));
  add(summary.links, counts.links);
  add(summary.dispositions, counts.dispositions);
}

const warned = new Set<string>();

function toDispositionRow(ctx: DeriveContext, call: CallFacts, voicemail: LinkedVoicemail | undefined): DispositionRow {
  const d = deriveDisposition(call, voicemail, ctx.now, { voicemailWindowSeconds: ctx.settings.voicemailWindowSeconds });
  for (const value of d.unknownValues) {
    if (warned.has(value)) continue;
    warned.add(value);
    ctx.logger.warn({ value, callId: call.id }, 'unknown RingCentral result/reason value; disposition UNKNOWN (raw text kept)');
  }
  return {
    callId: call.id, disposition: d.disposition, reason: d.reason, ruleId: d.ruleId, extensionId: d.extensionId,
    ringSeconds: d.ringSeconds, talkSeconds: d.talkSeconds, final: d.final, pendingReason: d.pendingReason, ruleVersion: d.ruleVersion,
  };
}

/**
 * Callbacks of the unanswered inbound calls that a change in `period` can affect: those up to the horizon
 * before it (a new outbound call can be their callback) and those inside it.
 */
async function deriveCallbacks(ctx: DeriveContext, period: TimeWindow): Promise<WriteCounts> {
  const horizonMs = ctx.settings.callbackHorizonSeconds * 1000;
  const from = new Date(period.from.getTime() - horizonMs);
  const to = new Date(period.to.getTime() + horizonMs);
  const rows = rowsOf<{ id: string; direction: string; start_time: string; end_time: string; from_e164: string | null; to_e164: string | null; deleted: boolean; disposition: string | null }>(
    await ctx.database.db.execute(sql`
      select c.id, c.direction, c.start_time, c.end_time, c.from_e164, c.to_e164, c.deleted, d.disposition
      from calls c left join call_dispositions d on d.account_id = c.account_id and d.call_id = c.id
      where c.account_id = ${ctx.accountId} and c.start_time >= ${from.toISOString()} and c.start_time < ${to.toISOString()}
        and (c.direction = 'Outbound' or (c.start_time < ${period.to.toISOString()} and d.disposition = any(${sql.param([...UNANSWERED])}::text[])))`),
  );
  const items = rows.map((r) => ({ call: lightCall(r), disposition: (r.disposition ?? 'UNKNOWN') as Disposition }));
  const scope = items.filter((i) => UNANSWERED.includes(i.disposition) && i.call.direction === 'Inbound').map((i) => i.call.id);
  const found = findCallbacks(items, { horizonSeconds: ctx.settings.callbackHorizonSeconds });
  return write(ctx, (tx) => writeCallbacks(tx, ctx.accountId, scope, found));
}

/** The few facts callback matching needs; legs are not loaded for a week of calls. */
function lightCall(r: { id: string; direction: string; start_time: string; end_time: string; from_e164: string | null; to_e164: string | null; deleted: boolean }): CallFacts {
  const startTime = new Date(r.start_time);
  const endTime = new Date(r.end_time);
  return {
    id: r.id, direction: r.direction, type: null, action: null, result: null, reason: null, startTime, endTime,
    durationMs: endTime.getTime() - startTime.getTime(), extensionId: null, fromE164: r.from_e164, toE164: r.to_e164,
    fromExtensionId: null, toExtensionId: null, messageId: null, recordingId: null, shortRecording: false, deleted: r.deleted, legs: [],
  };
}

class DryRunRollback<T> extends Error {
  constructor(readonly result: T) {
    super('dry run');
  }
}

/** A chunk's writes in one transaction; in a dry run the counts are kept and the writes rolled back. */
async function write<T>(ctx: DeriveContext, fn: (tx: Db) => Promise<T>): Promise<T> {
  try {
    return await ctx.transaction(async (tx) => {
      const result = await fn(tx);
      if (ctx.dryRun) throw new DryRunRollback(result);
      return result;
    });
  } catch (error) {
    if (error instanceof DryRunRollback) return error.result as T;
    throw error;
  }
}

