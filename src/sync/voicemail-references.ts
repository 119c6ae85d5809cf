import { isRefusal } from '../errors.ts';
import { MESSAGE_BATCH_SIZE } from '../ringcentral/endpoints.ts';
import { markVoicemailGone, missingReferencedVoicemails, upsertVoicemails, writeUnreadableStubs, type VoicemailReference } from '../store/voicemails.ts';
import type { Access } from './mailbox-access.ts';
import type { RunContext } from './runner.ts';

/** Referenced voicemails considered per pass, newest call first. */
const MAX_REFERENCES = 5_000;

/** What to do about the voicemails the call log names that are not stored yet. */
export interface References {
  /** Per mailbox not read since the call's voicemail could exist: the newest such call. A read brings them. */
  named: Map<string, Date>;
  /** Per mailbox read after that: the refs its reads did not bring, to fetch by id; newest call first. */
  byId: Map<string, VoicemailReference[]>;
}

/**
 * Sorts the missing referenced voicemails. Those in mailboxes we may not read get stubs now, so their calls
 * are final as VOICEMAIL; the stubs count as missing and are fetched once the mailbox can be read. A
 * mailbox not read since the call ended (plus the voicemail window) is read: one request brings the named
 * message and whatever else is new there. A mailbox read after that had its chance, and the message is
 * fetched by id (purged, deleted, pushed out by the mailbox cap, older than its sync window).
 */
export async function sortReferences(ctx: RunContext, access: Access, windowMs: number): Promise<References> {
  const out: References = { named: new Map(), byId: new Map() };
  const unreadable: VoicemailReference[] = [];
  for (const ref of await missingReferencedVoicemails(ctx.database.db, ctx.accountId, MAX_REFERENCES)) {
    const mailbox = ref.mailboxExtensionId;
    if (!access.readable(mailbox)) unreadable.push(ref);
    else if (access.readSince(mailbox, new Date(ref.callEnd.getTime() + windowMs))) out.byId.set(mailbox, [...(out.byId.get(mailbox) ?? []), ref]);
    else if (!out.named.has(mailbox)) out.named.set(mailbox, ref.callEnd);
  }
  if (unreadable.length) await stub(ctx, unreadable);
  return out;
}

/** The refs still missing in these mailboxes (read this pass: what the reads did not bring). */
export async function leftAfterReads(ctx: RunContext, mailboxes: Set<string>): Promise<Map<string, VoicemailReference[]>> {
  const out = new Map<string, VoicemailReference[]>();
  // Most passes read no mailbox: then nothing can be left, and the query is not worth its round trip.
  if (mailboxes.size === 0) return out;
  for (const ref of await missingReferencedVoicemails(ctx.database.db, ctx.accountId, MAX_REFERENCES)) {
    if (mailboxes.has(ref.mailboxExtensionId)) out.set(ref.mailboxExtensionId, [...(out.get(ref.mailboxExtensionId) ?? []), ref]);
  }
  return out;
}

/**
 * Fetches one mailbox's named voicemails by id, MESSAGE_BATCH_SIZE a request (207 multipart), while
 * `more()` allows. A message gone from the store becomes a tombstone, so its call does not wait for it.
 */
export async function fetchById(ctx: RunContext, access: Access, mailbox: string, refs: VoicemailReference[], more: () => boolean): Promise<void> {
  for (let i = 0; i < refs.length && access.readable(mailbox) && more(); i += MESSAGE_BATCH_SIZE) {
    await fetchBatch(ctx, access, mailbox, refs.slice(i, i + MESSAGE_BATCH_SIZE), more);
  }
}

/**
 * One batch read. A 403 refuses the mailbox (its refs become stubs). Any other refusal of a batch of several
 * ids — RingCentral documents batch reads but no maximum, so a smaller cap than ours is possible — is read
 * again in halves; a single id RingCentral will not return is left for the next pass, said once in the log.
 */
async function fetchBatch(ctx: RunContext, access: Access, mailbox: string, batch: VoicemailReference[], more: () => boolean): Promise<void> {
  if (!access.readable(mailbox) || !more()) return;
  ctx.checkpoint();
  let answers;
  try {
    answers = await ctx.api.messages(mailbox, batch.map((r) => r.id), ctx.meter, ctx.signal);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    if (error.status === 403) {
      await access.refuse(mailbox, error);
      await stub(ctx, batch);
    } else if (batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      await fetchBatch(ctx, access, mailbox, batch.slice(0, half), more);
      await fetchBatch(ctx, access, mailbox, batch.slice(half), more);
    } else {
      ctx.logger.warn({ mailbox, message: batch[0]!.id, status: error.status, errorCode: error.errorCode }, 'RingCentral would not return a voicemail the call log names');
    }
    return;
  }
  await ctx.writeTransaction(async (tx) => {
    const found = answers.flatMap((a) => (a.kind === 'found' ? [a.entry] : []));
    if (found.length) await ctx.recordPage(tx, await upsertVoicemails(tx, ctx.accountId, mailbox, found));
    for (const a of answers) if (a.kind === 'gone') await markVoicemailGone(tx, ctx.accountId, mailbox, a.id, a.availability);
    const refused = batch.filter((r) => answers.some((a) => a.id === r.id && a.kind === 'error' && a.error.status === 403));
    if (refused.length) await writeUnreadableStubs(tx, ctx.accountId, refused);
  });
  for (const a of answers) {
    if (a.kind === 'error') ctx.logger.warn({ mailbox, message: a.id, status: a.error.status, errorCode: a.error.errorCode }, 'RingCentral would not return a voicemail the call log names');
  }
}

async function stub(ctx: RunContext, refs: VoicemailReference[]): Promise<void> {
  await ctx.writeTransaction(async (tx) => {
    const inserted = await writeUnreadableStubs(tx, ctx.accountId, refs);
    await ctx.recordPage(tx, { inserted, updated: 0, unchanged: refs.length - inserted });
  });
}
