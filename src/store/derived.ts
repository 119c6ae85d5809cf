import { sql } from 'drizzle-orm';
import { callbacks, callDispositions, voicemailLinks } from '../schema/index.ts';
import { upsertChanged, type WriteCounts } from './bulk.ts';
import { rowsOf, type Db } from './db.ts';

/** Writers of derived data. Each writes only rows whose content changed and reports counts (for --dry-run). */

export interface LinkRow {
  voicemailId: string;
  callId: string | null;
  method: string | null;
  confidence: number | null;
  secondsAfterCallStart: number | null;
  unlinkedReason: string | null;
  evidence: unknown;
  ruleVersion: string;
}

/**
 * Replaces the linking verdicts of a set of voicemails. Links that move to another call are cleared first:
 * the one-voicemail-per-call unique index is checked row by row, so a swap inside one statement would trip it.
 */
export async function writeLinks(tx: Db, accountId: string, rows: LinkRow[]): Promise<WriteCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const wanted = JSON.stringify(rows.map((r) => ({ voicemail_id: r.voicemailId, call_id: r.callId })));
  await tx.execute(sql`
    update voicemail_links l set call_id = null
    from json_to_recordset(${wanted}::json) as w(voicemail_id text, call_id text)
    where l.account_id = ${accountId} and l.voicemail_id = w.voicemail_id and l.call_id is distinct from w.call_id and l.call_id is not null`);
  return upsertChanged(tx, voicemailLinks, ['account_id', 'voicemail_id'], rows.map((r) => ({
    account_id: accountId, voicemail_id: r.voicemailId, call_id: r.callId, method: r.method, confidence: r.confidence,
    seconds_after_call_start: r.secondsAfterCallStart, unlinked_reason: r.unlinkedReason, evidence: r.evidence, rule_version: r.ruleVersion,
  })), rowsOf);
}

export interface DispositionRow {
  callId: string;
  disposition: string;
  reason: string;
  ruleId: string;
  extensionId: string | null;
  ringSeconds: number | null;
  talkSeconds: number | null;
  final: boolean;
  pendingReason: string | null;
  ruleVersion: string;
}

export async function writeDispositions(tx: Db, accountId: string, rows: DispositionRow[]): Promise<WriteCounts> {
  return upsertChanged(tx, callDispositions, ['account_id', 'call_id'], rows.map((r) => ({
    account_id: accountId, call_id: r.callId, disposition: r.disposition, reason: r.reason, rule_id: r.ruleId, extension_id: r.extensionId,
    ring_seconds: r.ringSeconds, talk_seconds: r.talkSeconds, final: r.final, pending_reason: r.pendingReason, rule_version: r.ruleVersion,
  })), rowsOf);
}

/**
 * Sets the callbacks of the calls in `scope` to exactly `found`: new or changed ones are written, and calls in
 * scope that no longer have a callback lose their row (counted as updated).
 */
export async function writeCallbacks(
  tx: Db,
  accountId: string,
  scope: string[],
  found: Array<{ callId: string; callbackCallId: string; secondsAfterEnd: number }>,
): Promise<WriteCounts> {
  const keep = new Set(found.map((f) => f.callId));
  const drop = scope.filter((id) => !keep.has(id));
  let removed = 0;
  if (drop.length > 0) {
    removed = rowsOf(await tx.execute(sql`
      delete from callbacks where account_id = ${accountId} and call_id = any(${sql.param(drop)}::text[]) returning call_id`)).length;
  }
  const counts = await upsertChanged(tx, callbacks, ['account_id', 'call_id'], found.map((f) => ({
    account_id: accountId, call_id: f.callId, callback_call_id: f.callbackCallId, seconds_after_end: Math.round(f.secondsAfterEnd),
  })), rowsOf);
  return { ...counts, updated: counts.updated + removed };
}
