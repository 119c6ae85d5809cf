import { isRefusal, RingCentralApiError } from '../errors.ts';
import type { MessageEntry } from '../ringcentral/payloads.ts';
import { databaseNow, markMailboxRead } from '../store/mailboxes.ts';
import { readSyncState, writeSyncState, type StatePatch } from '../store/sync-state.ts';
import { upsertVoicemails } from '../store/voicemails.ts';
import { mailboxStream, type Access } from './mailbox-access.ts';
import type { RunContext } from './runner.ts';

/** message-sync FSync asks for this many newest messages; older ones come from the paged list. */
const FSYNC_RECORD_COUNT = 250;

/** Light requests this pass may still make. */
export class LightBudget {
  private readonly start: number;
  constructor(private readonly ctx: RunContext, private readonly max: number) {
    this.start = ctx.meter.requests.Light;
  }
  left(): number {
    return Math.max(0, this.max - (this.ctx.meter.requests.Light - this.start));
  }
}

/**
 * Reads one mailbox; false when RingCentral refused it (recorded on `access`, which stops asking). Other
 * failures (server errors after the retries, a 401 that outlives the re-login) stop the pass.
 */
export async function readMailbox(ctx: RunContext, access: Access, extensionId: string, coverFrom: Date): Promise<boolean> {
  ctx.checkpoint();
  try {
    await syncMailbox(ctx, extensionId, coverFrom);
    return true;
  } catch (error) {
    if (!isRefusal(error)) throw error;
    await access.refuse(extensionId, error);
    return false;
  }
}

/** message-sync of one mailbox: ISync with its token, else FSync from the coverage start (MSG-333 → FSync). */
async function syncMailbox(ctx: RunContext, extensionId: string, coverFrom: Date): Promise<void> {
  const stream = mailboxStream(extensionId);
  const state = await readSyncState(ctx.database.db, ctx.accountId, stream);
  const startedAt = ctx.now();
  const started = { at: startedAt, db: await databaseNow(ctx.database.db) };
  if (state?.syncToken) {
    try {
      const page = await ctx.api.messageSync(extensionId, { syncToken: state.syncToken }, ctx.meter, ctx.signal);
      await write(ctx, extensionId, page.entries, { syncToken: page.syncToken, syncTokenAt: startedAt, syncedThrough: startedAt }, started);
      return;
    } catch (error) {
      if (!(error instanceof RingCentralApiError) || error.status !== 400) throw error;
      ctx.logger.info({ mailbox: extensionId, errorCode: error.errorCode }, 'message-sync token rejected; full sync of the mailbox');
    }
  }
  const page = await ctx.api.messageSync(extensionId, { dateFrom: coverFrom, recordCount: FSYNC_RECORD_COUNT }, ctx.meter, ctx.signal);
  if (page.olderRecordsExist) await backfillMailbox(ctx, extensionId, coverFrom, oldestCreation(page.entries) ?? startedAt);
  await write(ctx, extensionId, page.entries, { syncToken: page.syncToken, syncTokenAt: startedAt, syncedThrough: startedAt }, started);
}

/** FSync returns only the newest messages; the list endpoint pages through the rest of the window. */
async function backfillMailbox(ctx: RunContext, extensionId: string, dateFrom: Date, dateTo: Date): Promise<void> {
  for (let page: number | undefined = 1; page !== undefined; ) {
    ctx.checkpoint();
    const result = await ctx.api.voicemailPage(extensionId, { dateFrom, dateTo, page }, ctx.meter, ctx.signal);
    await write(ctx, extensionId, result.entries, {}, undefined);
    page = result.nextPage;
  }
}

function oldestCreation(entries: MessageEntry[]): Date | undefined {
  const times = entries.flatMap((e) => (e.kind === 'message' ? [Date.parse(e.message.creationTime)] : []));
  return times.length ? new Date(Math.min(...times) + 1000) : undefined;
}

/** A page of one mailbox with its checkpoint; the read that completes it also marks the mailbox read. */
async function write(ctx: RunContext, extensionId: string, entries: MessageEntry[], patch: StatePatch, readStarted: { at: Date; db: string } | undefined): Promise<void> {
  await ctx.writeTransaction(async (tx) => {
    const counts = await upsertVoicemails(tx, ctx.accountId, extensionId, entries);
    await writeSyncState(tx, ctx.accountId, mailboxStream(extensionId), { ...patch, lastError: null, lastErrorCode: null, addRecords: counts.inserted + counts.updated });
    if (readStarted) await markMailboxRead(tx, ctx.accountId, extensionId, readStarted.at, readStarted.db);
    await ctx.recordPage(tx, counts);
  });
}

