import { and, eq } from 'drizzle-orm';
import { describeError, isRefusal, RingCentralApiError } from '../errors.ts';
import type { MessageEntry } from '../ringcentral/payloads.ts';
import { extensions } from '../schema/index.ts';
import { readSyncState, writeSyncState, type StatePatch } from '../store/sync-state.ts';
import { markVoicemailGone, missingReferencedVoicemails, upsertVoicemails } from '../store/voicemails.ts';
import type { RunContext } from './runner.ts';

export const VOICEMAIL_STREAM = 'voicemails';

/** Extension types that have no mailbox; everything else (users, departments/queues, shared...) has one. */
const NO_MAILBOX = new Set(['IvrMenu', 'PagingOnly', 'ParkLocation', 'Announcement', 'Site', 'Bot', 'ApplicationExtension', 'Room', 'GroupCallPickup', 'Limited']);
/** message-sync FSync asks for this many newest messages; older ones come from the paged list. */
const FSYNC_RECORD_COUNT = 250;
/** Referenced-but-missing voicemails fetched by id per pass (Light budget: 50 a minute). */
const MAX_DIRECT_FETCHES = 100;
const DAY = 86_400_000;

const mailboxStream = (extensionId: string) => `voicemail:${extensionId}`;

/**
 * Voicemails of every mailbox through per-extension message-sync (FSync, then ISync; MSG-333 or any token
 * error → FSync again), within the Light budget; then the voicemails the call log names but no mailbox sync
 * has delivered yet, fetched by id. Each response commits with its mailbox's token.
 */
export async function syncVoicemails(ctx: RunContext): Promise<void> {
  const mailboxes = await ctx.database.db
    .select({ id: extensions.id, type: extensions.type })
    .from(extensions)
    .where(and(eq(extensions.accountId, ctx.accountId), eq(extensions.present, true)));
  for (const mailbox of mailboxes.filter((m) => !NO_MAILBOX.has(m.type ?? '')).sort((a, b) => a.id.localeCompare(b.id))) {
    ctx.checkpoint();
    try {
      await syncMailbox(ctx, mailbox.id);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      await recordRefusal(ctx, mailbox.id, error);
    }
  }
  await fetchReferenced(ctx);
}

/**
 * A mailbox RingCentral refuses us (403: not ours to read; 404: gone; 400: a request it refuses even after
 * a fresh FSync) is recorded on its own stream and must not stop the others. Server failures and rate
 * limits are no refusal: they stop the pass, as they would stop the next mailbox too.
 */
async function recordRefusal(ctx: RunContext, extensionId: string, error: RingCentralApiError): Promise<void> {
  ctx.logger.warn({ mailbox: extensionId, status: error.status, errorCode: error.errorCode }, 'skipping a mailbox RingCentral will not let us read');
  await writeSyncState(ctx.database.db, ctx.accountId, mailboxStream(extensionId), { lastError: describeError(error), lastErrorCode: error.errorCode ?? null });
}

async function syncMailbox(ctx: RunContext, extensionId: string): Promise<void> {
  const stream = mailboxStream(extensionId);
  const state = await readSyncState(ctx.database.db, ctx.accountId, stream);
  if (state?.syncToken) {
    try {
      const page = await ctx.api.messageSync(extensionId, { syncToken: state.syncToken }, ctx.meter, ctx.signal);
      await write(ctx, extensionId, page.entries, { syncToken: page.syncToken, syncTokenAt: ctx.now(), syncedThrough: ctx.now() });
      return;
    } catch (error) {
      if (!(error instanceof RingCentralApiError) || error.status !== 400) throw error;
      ctx.logger.info({ mailbox: extensionId, errorCode: error.errorCode }, 'message-sync token rejected; full sync of the mailbox');
    }
  }
  const now = ctx.now();
  const dateFrom = new Date(now.getTime() - ctx.settings.backfillDays * DAY);
  const page = await ctx.api.messageSync(extensionId, { dateFrom, recordCount: FSYNC_RECORD_COUNT }, ctx.meter, ctx.signal);
  if (page.olderRecordsExist) await backfillMailbox(ctx, extensionId, dateFrom, oldestCreation(page.entries) ?? now);
  await write(ctx, extensionId, page.entries, { syncToken: page.syncToken, syncTokenAt: now, syncedThrough: now });
}

/** FSync returns only the newest messages; the list endpoint pages through the rest of the window. */
async function backfillMailbox(ctx: RunContext, extensionId: string, dateFrom: Date, dateTo: Date): Promise<void> {
  for (let page: number | undefined = 1; page !== undefined; ) {
    ctx.checkpoint();
    const result = await ctx.api.voicemailPage(extensionId, { dateFrom, dateTo, page }, ctx.meter, ctx.signal);
    await write(ctx, extensionId, result.entries, {});
    page = result.nextPage;
  }
}

function oldestCreation(entries: MessageEntry[]): Date | undefined {
  const times = entries.flatMap((e) => (e.kind === 'message' ? [Date.parse(e.message.creationTime)] : []));
  return times.length ? new Date(Math.min(...times) + 1000) : undefined;
}

async function write(ctx: RunContext, extensionId: string, entries: MessageEntry[], patch: StatePatch): Promise<void> {
  await ctx.writeTransaction(async (tx) => {
    const counts = await upsertVoicemails(tx, ctx.accountId, extensionId, entries);
    await writeSyncState(tx, ctx.accountId, mailboxStream(extensionId), { ...patch, lastError: null, lastErrorCode: null, addRecords: counts.inserted + counts.updated });
    await ctx.recordPage(tx, counts);
  });
}

/** Voicemails named by the call log that no mailbox sync has delivered (e.g. beyond the FSync window). */
async function fetchReferenced(ctx: RunContext): Promise<void> {
  const missing = await missingReferencedVoicemails(ctx.database.db, ctx.accountId, MAX_DIRECT_FETCHES);
  const refused = new Set<string>();
  for (const ref of missing) {
    ctx.checkpoint();
    if (refused.has(ref.mailboxExtensionId)) continue;
    let entry;
    try {
      entry = await ctx.api.message(ref.mailboxExtensionId, ref.id, ctx.meter, ctx.signal);
    } catch (error) {
      // A reference into a mailbox we may not read is left for a day (missingReferencedVoicemails), so
      // it cannot keep the references after it from ever being fetched.
      if (!isRefusal(error)) throw error;
      refused.add(ref.mailboxExtensionId);
      await recordRefusal(ctx, ref.mailboxExtensionId, error);
      continue;
    }
    await ctx.writeTransaction(async (tx) => {
      if (entry?.kind === 'message') await ctx.recordPage(tx, await upsertVoicemails(tx, ctx.accountId, ref.mailboxExtensionId, [entry]));
      else await markVoicemailGone(tx, ctx.accountId, ref.mailboxExtensionId, ref.id, entry?.availability ?? 'Purged');
    });
  }
}
