import { sql } from 'drizzle-orm';
import { mailboxesToCheck, planMailboxReads, type MailboxState, type PlannedRead } from '../core/mailbox-plan.ts';
import { describeError, isRefusal, RingCentralApiError } from '../errors.ts';
import { isTransient } from '../ringcentral/client.ts';
import { MESSAGE_BATCH_SIZE } from '../ringcentral/endpoints.ts';
import type { MessageEntry } from '../ringcentral/payloads.ts';
import { coverageStart } from '../store/coverage.ts';
import { rowsOf } from '../store/db.ts';
import { loadCallFactsUpdatedSince } from '../store/facts.ts';
import { forgetRefusals, loadMailboxes, markMailboxForbidden, markMailboxRead, recordEvidence, type MailboxRow } from '../store/mailboxes.ts';
import { readSyncState, writeSyncState, type StatePatch } from '../store/sync-state.ts';
import { markVoicemailGone, missingReferencedVoicemails, upsertVoicemails, writeUnreadableStubs, type VoicemailReference } from '../store/voicemails.ts';
import { describeAccess, OTHER_MAILBOX_REFUSAL, type AccessState } from './mailbox-access.ts';
import type { RunContext } from './runner.ts';

export const VOICEMAIL_STREAM = 'voicemails';

/** message-sync FSync asks for this many newest messages; older ones come from the paged list. */
const FSYNC_RECORD_COUNT = 250;
/**
 * Most mailbox reads and batch reads one pass makes. Both are Light (50 requests a minute): together they
 * stay within about a minute of the budget, so a pass stays short however large the account; what is left
 * waits for the next pass, most urgent first.
 */
const MAX_MAILBOX_READS = 35;
const MAX_BATCHES = 15;
/** A mailbox refused for another reason than the permission (404, another 403) is asked again after a day. */
const REFUSAL_RETRY_MS = 86_400_000;
/** Calls written this long before the last evidence scan are read again: a page committed late is not missed. */
const EVIDENCE_OVERLAP_MS = 2 * 60_000;
const EVIDENCE_CHUNK = 2_000;

const mailboxStream = (extensionId: string) => `voicemail:${extensionId}`;

/** What the voicemail stream keeps between passes (sync_state.details). */
interface VoicemailDetails extends AccessState {
  /** Calls written (updated_at, database clock) before this have been read for evidence. */
  evidenceThrough?: string;
  /** When the previous pass started: the rotation's share of this pass depends on it. */
  lastPassAt?: string;
}

export interface VoicemailOptions {
  /** A voicemail may be created this long after its call ended. */
  voicemailWindowMs: number;
}

/**
 * One voicemail pass, within the Light budget whatever the account's size:
 * 1. find out whether RingCentral lets the JWT user read other extensions' mailboxes (CMN-419 otherwise);
 * 2. note, per mailbox, the latest unanswered inbound call the call log routed to it (the evidence);
 * 3. fetch the voicemails the call log names, in batches per mailbox — stubs for those we may not read;
 * 4. read the mailboxes with evidence, never-read and overdue ones, and this pass's share of the rotation.
 */
export async function syncVoicemails(ctx: RunContext, options: VoicemailOptions): Promise<void> {
  const startedAt = ctx.now();
  const db = ctx.database.db;
  const state = await readSyncState(db, ctx.accountId, VOICEMAIL_STREAM);
  const details: VoicemailDetails = { ...((state?.details as VoicemailDetails | null) ?? {}) };
  const saveDetails = (tx = db) => writeSyncState(tx, ctx.accountId, VOICEMAIL_STREAM, { details: { ...details } });

  details.ownExtensionId ??= (await ctx.api.ownExtension(ctx.meter, ctx.signal)).id;
  const coverFrom = await coverageStart(db, ctx.accountId, new Date(startedAt.getTime() - ctx.settings.backfillDays * 86_400_000));
  let mailboxes = await loadMailboxes(db, ctx.accountId);
  await checkAccess(ctx, details, mailboxes);
  await gatherEvidence(ctx, details, mailboxes, coverFrom, startedAt);
  await saveDetails();

  mailboxes = await loadMailboxes(db, ctx.accountId);
  const access = new Access(ctx, details, mailboxes, startedAt);
  await fetchReferenced(ctx, access);
  const plan = planMailboxReads(access.states(), {
    now: startedAt,
    sweepMs: ctx.settings.voicemailSweepHours * 3_600_000,
    voicemailWindowMs: options.voicemailWindowMs,
    sincePreviousPassMs: details.lastPassAt ? startedAt.getTime() - Date.parse(details.lastPassAt) : undefined,
    maxReads: MAX_MAILBOX_READS,
  });
  await readMailboxes(ctx, access, plan, coverFrom);

  details.lastPassAt = startedAt.toISOString();
  await saveDetails();
  const problem = describeAccess(details, access.refusedCount(), mailboxes.length, await unreadableCount(ctx));
  if (problem) {
    ctx.logger.warn({ errorCode: problem.errorCode, refused: access.refusedCount(), mailboxes: mailboxes.length }, problem.message);
    ctx.reportProblem(problem.message, problem.errorCode);
  }
  ctx.logger.info({ reads: plan.length, byReason: countBy(plan), mailboxes: mailboxes.length }, 'voicemail pass');
}

/**
 * Whether other extensions' mailboxes may be read. Asked with authz-profile/check until RingCentral says
 * yes (one Light request a pass, so a permission granted later is noticed on the next pass); once allowed,
 * a CMN-419 on a read turns it back. When the check itself is not available to the app, the reads tell.
 */
async function checkAccess(ctx: RunContext, details: VoicemailDetails, mailboxes: MailboxRow[]): Promise<void> {
  if (details.otherMailboxes === 'allowed') return;
  const target = mailboxes.find((m) => m.id !== details.ownExtensionId);
  if (!target) return;
  let allowed: boolean;
  try {
    allowed = await ctx.api.checkPermission('ReadMessages', target.id, ctx.meter, ctx.signal);
  } catch (error) {
    if (error instanceof RingCentralApiError && isTransient(error)) {
      ctx.logger.warn({ status: error.status, errorCode: error.errorCode }, 'authz-profile/check failed; keeping what is known of mailbox access');
      return;
    }
    if (!isRefusal(error)) throw error;
    ctx.logger.info({ status: error.status, errorCode: error.errorCode }, 'authz-profile/check is not available to this app; mailbox reads will tell whether other mailboxes may be read');
    details.accessCheck = 'unavailable';
    return;
  }
  details.accessCheck = 'available';
  details.accessCheckedAt = ctx.now().toISOString();
  if (allowed) {
    if (details.otherMailboxes === 'denied') {
      const retried = await forgetRefusals(ctx.database.db, ctx.accountId);
      ctx.logger.info({ mailboxes: retried }, 'RingCentral now lets callsync read other mailboxes; reading the refused ones again');
    }
    details.otherMailboxes = 'allowed';
    details.accessErrorCode = null;
  } else {
    details.otherMailboxes = 'denied';
    details.accessErrorCode = OTHER_MAILBOX_REFUSAL;
  }
}

/** Raises each mailbox's evidence from the calls written since the last scan (crash-safe: idempotent). */
async function gatherEvidence(ctx: RunContext, details: VoicemailDetails, mailboxes: MailboxRow[], coverFrom: Date, passStart: Date): Promise<void> {
  const db = ctx.database.db;
  const [clock] = rowsOf<{ now: string }>(await db.execute(sql`select now()::text as now`));
  const since = details.evidenceThrough ? new Date(Date.parse(details.evidenceThrough) - EVIDENCE_OVERLAP_MS) : new Date(0);
  const known = new Set(mailboxes.map((m) => m.id));
  const evidence = new Map<string, Date>();
  for (let after: { updatedAt: string; id: string } | undefined, done = false; !done; ) {
    ctx.checkpoint();
    const chunk = await loadCallFactsUpdatedSince(db, ctx.accountId, since, after, EVIDENCE_CHUNK);
    for (const call of chunk.calls) {
      // Before the coverage start no mailbox read reaches: that evidence could never be acted on.
      if (call.endTime < coverFrom) continue;
      for (const id of mailboxesToCheck(call, (ext) => known.has(ext))) {
        const seen = evidence.get(id);
        if (!seen || seen < call.endTime) evidence.set(id, call.endTime);
      }
    }
    after = chunk.last;
    done = chunk.calls.length < EVIDENCE_CHUNK;
  }
  await recordEvidence(db, ctx.accountId, evidence, passStart);
  details.evidenceThrough = clock!.now;
}

/** Which mailboxes may be read now, updated as RingCentral refuses reads during the pass. */
class Access {
  private readonly refused = new Set<string>();

  constructor(private readonly ctx: RunContext, private readonly details: VoicemailDetails, private readonly mailboxes: MailboxRow[], private readonly now: Date) {
    for (const m of mailboxes) if (m.access === 'forbidden' && this.stillRefused(m)) this.refused.add(m.id);
  }

  /**
   * A mailbox refused within the last day stays refused. The permission refusal (CMN-419 while other
   * mailboxes are denied) lasts until the permission is found granted, which forgets every refusal.
   */
  private stillRefused(m: MailboxRow): boolean {
    if (m.accessErrorCode === OTHER_MAILBOX_REFUSAL && this.details.otherMailboxes === 'denied') return true;
    return !m.accessCheckedAt || this.now.getTime() - m.accessCheckedAt.getTime() < REFUSAL_RETRY_MS;
  }

  /**
   * When RingCentral cannot be asked whether other mailboxes may be read (authz-profile/check unavailable)
   * and a read said no, one refused mailbox — the one asked longest ago — is tried each pass instead.
   */
  probe(): string | undefined {
    if (this.details.otherMailboxes !== 'denied' || this.details.accessCheck !== 'unavailable') return undefined;
    const others = this.mailboxes.filter((m) => m.id !== this.details.ownExtensionId && m.receivesCalls);
    others.sort((a, b) => (a.accessCheckedAt?.getTime() ?? 0) - (b.accessCheckedAt?.getTime() ?? 0) || (a.id < b.id ? -1 : 1));
    return others[0]?.id;
  }

  /** A read of another extension's mailbox succeeded while they were thought denied: they are not. */
  async granted(): Promise<void> {
    this.details.otherMailboxes = 'allowed';
    this.details.accessErrorCode = null;
    const retried = await forgetRefusals(this.ctx.database.db, this.ctx.accountId);
    this.refused.clear();
    await writeSyncState(this.ctx.database.db, this.ctx.accountId, VOICEMAIL_STREAM, { details: { ...this.details } });
    this.ctx.logger.info({ mailboxes: retried }, 'RingCentral now lets callsync read other mailboxes; reading the refused ones again');
  }

  readable(extensionId: string): boolean {
    if (this.refused.has(extensionId)) return false;
    return extensionId === this.details.ownExtensionId || this.details.otherMailboxes !== 'denied';
  }

  refusedCount(): number {
    return this.mailboxes.filter((m) => !this.readable(m.id)).length;
  }

  states(): MailboxState[] {
    return this.mailboxes
      .filter((m) => m.receivesCalls || (m.noticedAt !== null && (m.readStartedAt === null || m.readStartedAt < m.noticedAt)))
      .map((m) => ({ id: m.id, evidenceAt: m.evidenceAt, noticedAt: m.noticedAt, readStartedAt: m.readStartedAt, forbidden: !this.readable(m.id) }));
  }

  /**
   * RingCentral refused a read of this mailbox. CMN-419 on another extension's mailbox means the JWT user
   * may not read other mailboxes at all: stop asking for any of them until the permission is granted.
   */
  async refuse(extensionId: string, error: RingCentralApiError): Promise<void> {
    this.refused.add(extensionId);
    await markMailboxForbidden(this.ctx.database.db, this.ctx.accountId, [extensionId], error.errorCode ?? `HTTP ${error.status}`, this.ctx.now());
    await writeSyncState(this.ctx.database.db, this.ctx.accountId, mailboxStream(extensionId), { lastError: describeError(error), lastErrorCode: error.errorCode ?? null });
    // Unknown so far (the check was unavailable): the first CMN-419 answers for all other mailboxes. When the
    // check said yes, a refusal of one mailbox (a role scoped to some extensions) is that mailbox's alone.
    if (error.errorCode === OTHER_MAILBOX_REFUSAL && extensionId !== this.details.ownExtensionId && this.details.otherMailboxes === undefined) {
      this.details.otherMailboxes = 'denied';
      this.details.accessErrorCode = OTHER_MAILBOX_REFUSAL;
      await writeSyncState(this.ctx.database.db, this.ctx.accountId, VOICEMAIL_STREAM, { details: { ...this.details } });
    }
  }
}

/**
 * Voicemails the call log names but callsync has not read: fetched by id, up to MESSAGE_BATCH_SIZE a request
 * per mailbox. Those in mailboxes we may not read get stubs, so their calls are final as VOICEMAIL; the
 * stubs are fetched like any other missing voicemail once the mailbox can be read.
 */
async function fetchReferenced(ctx: RunContext, access: Access): Promise<void> {
  const missing = await missingReferencedVoicemails(ctx.database.db, ctx.accountId, MAX_BATCHES * MESSAGE_BATCH_SIZE * 4);
  const byMailbox = new Map<string, VoicemailReference[]>();
  for (const ref of missing) byMailbox.set(ref.mailboxExtensionId, [...(byMailbox.get(ref.mailboxExtensionId) ?? []), ref]);
  let batches = 0;
  for (const [mailbox, refs] of byMailbox) {
    for (let i = 0; i < refs.length; i += MESSAGE_BATCH_SIZE) {
      const batch = refs.slice(i, i + MESSAGE_BATCH_SIZE);
      if (!access.readable(mailbox)) {
        await stub(ctx, batch);
        continue;
      }
      if (batches >= MAX_BATCHES) continue;
      ctx.checkpoint();
      batches++;
      let answers;
      try {
        answers = await ctx.api.messages(mailbox, batch.map((r) => r.id), ctx.meter, ctx.signal);
      } catch (error) {
        if (!isRefusal(error)) throw error;
        await access.refuse(mailbox, error);
        await stub(ctx, refs.slice(i));
        break;
      }
      await ctx.writeTransaction(async (tx) => {
        const found = answers.flatMap((a) => (a.kind === 'found' ? [a.entry] : []));
        if (found.length) await ctx.recordPage(tx, await upsertVoicemails(tx, ctx.accountId, mailbox, found));
        for (const a of answers) if (a.kind === 'gone') await markVoicemailGone(tx, ctx.accountId, mailbox, a.id, a.availability);
        const refused = batch.filter((r) => answers.some((a) => a.id === r.id && a.kind === 'error' && isRefusal(a.error)));
        if (refused.length) await writeUnreadableStubs(tx, ctx.accountId, refused);
      });
      for (const a of answers) if (a.kind === 'error') ctx.logger.warn({ mailbox, message: a.id, status: a.error.status, errorCode: a.error.errorCode }, 'RingCentral would not return a voicemail the call log names');
    }
  }
}

async function stub(ctx: RunContext, refs: VoicemailReference[]): Promise<void> {
  await ctx.writeTransaction(async (tx) => {
    const inserted = await writeUnreadableStubs(tx, ctx.accountId, refs);
    await ctx.recordPage(tx, { inserted, updated: 0, unchanged: refs.length - inserted });
  });
}

async function readMailboxes(ctx: RunContext, access: Access, plan: PlannedRead[], coverFrom: Date): Promise<void> {
  const probe = access.probe();
  if (probe) {
    try {
      await syncMailbox(ctx, probe, coverFrom);
      await access.granted();
    } catch (error) {
      if (!isRefusal(error)) throw error;
      await access.refuse(probe, error);
    }
  }
  for (const { id } of plan) {
    if (!access.readable(id)) continue;
    ctx.checkpoint();
    try {
      await syncMailbox(ctx, id, coverFrom);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      await access.refuse(id, error);
    }
  }
}

/** message-sync of one mailbox: ISync with its token, else FSync from the coverage start (MSG-333 → FSync). */
async function syncMailbox(ctx: RunContext, extensionId: string, coverFrom: Date): Promise<void> {
  const stream = mailboxStream(extensionId);
  const state = await readSyncState(ctx.database.db, ctx.accountId, stream);
  const startedAt = ctx.now();
  if (state?.syncToken) {
    try {
      const page = await ctx.api.messageSync(extensionId, { syncToken: state.syncToken }, ctx.meter, ctx.signal);
      await write(ctx, extensionId, page.entries, { syncToken: page.syncToken, syncTokenAt: startedAt, syncedThrough: startedAt }, startedAt);
      return;
    } catch (error) {
      if (!(error instanceof RingCentralApiError) || error.status !== 400) throw error;
      ctx.logger.info({ mailbox: extensionId, errorCode: error.errorCode }, 'message-sync token rejected; full sync of the mailbox');
    }
  }
  const page = await ctx.api.messageSync(extensionId, { dateFrom: coverFrom, recordCount: FSYNC_RECORD_COUNT }, ctx.meter, ctx.signal);
  if (page.olderRecordsExist) await backfillMailbox(ctx, extensionId, coverFrom, oldestCreation(page.entries) ?? startedAt);
  await write(ctx, extensionId, page.entries, { syncToken: page.syncToken, syncTokenAt: startedAt, syncedThrough: startedAt }, startedAt);
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
async function write(ctx: RunContext, extensionId: string, entries: MessageEntry[], patch: StatePatch, readStartedAt: Date | undefined): Promise<void> {
  await ctx.writeTransaction(async (tx) => {
    const counts = await upsertVoicemails(tx, ctx.accountId, extensionId, entries);
    await writeSyncState(tx, ctx.accountId, mailboxStream(extensionId), { ...patch, lastError: null, lastErrorCode: null, addRecords: counts.inserted + counts.updated });
    if (readStartedAt) await markMailboxRead(tx, ctx.accountId, extensionId, readStartedAt);
    await ctx.recordPage(tx, counts);
  });
}

async function unreadableCount(ctx: RunContext): Promise<number> {
  const [row] = rowsOf<{ n: number }>(await ctx.database.db.execute(sql`
    select count(*)::int as n from voicemails where account_id = ${ctx.accountId} and not readable`));
  return row?.n ?? 0;
}

function countBy(plan: PlannedRead[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of plan) out[p.reason] = (out[p.reason] ?? 0) + 1;
  return out;
}
