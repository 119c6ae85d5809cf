import { mailboxesToCheck } from '../core/mailbox-plan.ts';
import { isRefusal } from '../errors.ts';
import type { VoicemailPage } from '../ringcentral/endpoints.ts';
import { coverageStart, extendCoverage } from '../store/coverage.ts';
import { loadCallFacts } from '../store/facts.ts';
import { loadMailboxes } from '../store/mailboxes.ts';
import { readSyncState, writeSyncState } from '../store/sync-state.ts';
import { upsertVoicemails } from '../store/voicemails.ts';
import { Access, mailboxStream, VOICEMAIL_STREAM, type AccessState } from './mailbox-access.ts';
import type { RunContext } from './runner.ts';
import { fetchById, leftAfterReads } from './voicemail-references.ts';
import { planWindows } from './windows.ts';

export const VOICEMAIL_BACKFILL_STREAM = 'voicemails-backfill';

const DAY = 86_400_000;

interface Cursor {
  from: string;
  to: string;
  /** Mailboxes whose messages of the period are stored. */
  done: string[];
}

/**
 * The voicemails of a `callsync backfill` period that the regular passes cannot reach: mailboxes are read
 * from the account's coverage instant on, so for the part of the period before it, every mailbox a call of
 * the period names or rang unanswered is listed (message-store, paged) for that stretch, and the named
 * voicemails the lists did not bring are fetched by id. Resumable mailbox by mailbox; afterwards the
 * coverage instant moves back to the period's start. Runs after the call-log backfill of the same period.
 */
export async function backfillVoicemails(ctx: RunContext, from: Date, to: Date, voicemailWindowMs: number): Promise<void> {
  const db = ctx.database.db;
  // Before the first regular pass the coverage instant is not fixed yet: it becomes what that pass would take
  // (SYNC_BACKFILL_DAYS back), or this period's start when that lies further back.
  const regular = ctx.now().getTime() - ctx.settings.backfillDays * DAY;
  const coverFrom = await coverageStart(db, ctx.accountId, new Date(Math.min(from.getTime(), regular)));
  const until = new Date(Math.min(to.getTime(), coverFrom.getTime()));
  if (from >= until) {
    ctx.logger.info({ from: from.toISOString(), coverage: coverFrom.toISOString() }, 'voicemails of the period are read by the regular passes');
    return;
  }
  const state = await readSyncState(db, ctx.accountId, ctx.stream);
  const saved = state?.cursor as Cursor | null | undefined;
  const cursor: Cursor = saved && saved.from === from.toISOString() && saved.to === until.toISOString() ? saved : { from: from.toISOString(), to: until.toISOString(), done: [] };
  const details = ((await readSyncState(db, ctx.accountId, VOICEMAIL_STREAM))?.details ?? {}) as AccessState;
  const mailboxes = await loadMailboxes(db, ctx.accountId);
  const access = new Access(ctx, { ...details }, mailboxes, ctx.now());
  const known = new Set(mailboxes.map((m) => m.id));

  const wanted = new Set<string>();
  for (const day of planWindows(from, until, DAY)) {
    ctx.checkpoint();
    for (const call of await loadCallFacts(db, ctx.accountId, day.from, day.to)) {
      for (const id of mailboxesToCheck(call, (ext) => known.has(ext))) wanted.add(id);
    }
  }
  const done = new Set(cursor.done);
  const todo = [...wanted].filter((id) => !done.has(id) && access.readable(id)).sort();
  ctx.logger.info({ mailboxes: todo.length, from: cursor.from, to: cursor.to }, 'reading the voicemails of the backfilled period');
  // A voicemail is created up to the voicemail window after its call ended.
  const listTo = new Date(until.getTime() + voicemailWindowMs);
  for (const [index, mailbox] of todo.entries()) {
    for (let page: number | undefined = 1; page !== undefined; ) {
      ctx.checkpoint();
      const result: VoicemailPage | undefined = await ctx.api.voicemailPage(mailbox, { dateFrom: from, dateTo: listTo, page }, ctx.meter, ctx.signal).catch(async (error: unknown) => {
        if (!isRefusal(error)) throw error;
        await access.refuse(mailbox, error);
        return undefined;
      });
      if (!result) break;
      await ctx.writeTransaction(async (tx) => {
        const counts = await upsertVoicemails(tx, ctx.accountId, mailbox, result.entries);
        await writeSyncState(tx, ctx.accountId, mailboxStream(mailbox), { addRecords: counts.inserted + counts.updated });
        if (result.nextPage === undefined) {
          cursor.done.push(mailbox);
          await writeSyncState(tx, ctx.accountId, ctx.stream, { cursor: { ...cursor } });
        }
        await ctx.recordPage(tx, counts);
      });
      page = result.nextPage;
    }
    ctx.onProgress?.({ stream: ctx.stream, records: 0, requests: { ...ctx.meter.requests }, fraction: (index + 1) / todo.length });
  }
  // Named voicemails the lists did not bring (purged, or in mailboxes of calls that rang answered legs).
  for (const [mailbox, refs] of await leftAfterReads(ctx, known)) {
    const inPeriod = refs.filter((r) => r.callEnd >= from && r.callEnd < until);
    if (inPeriod.length) await fetchById(ctx, access, mailbox, inPeriod, () => true);
  }
  await extendCoverage(db, ctx.accountId, from);
  await writeSyncState(db, ctx.accountId, ctx.stream, { cursor: null, syncedThrough: until });
}
