import { PENDING_GIVE_UP_MS, fitTranscript, recheckAfterMs } from '../core/transcripts.ts';
import { MalformedPayloadError, isRefusal } from '../errors.ts';
import { MESSAGE_BATCH_SIZE } from '../ringcentral/endpoints.ts';
import type { MessageEntry } from '../ringcentral/payloads.ts';
import { upsertVoicemails } from '../store/voicemails.ts';
import { pendingTranscriptions, saveTranscript, transcriptsToFetch, type PendingTranscription, type TranscriptOutcome } from '../store/voicemail-transcripts.ts';
import type { LightBudget } from './mailbox-read.ts';
import type { RunContext } from './runner.ts';

/**
 * Most transcript downloads one pass makes. Attachment content is in RingCentral's Medium group (40
 * requests a minute, shared with the extension list and the audio callsync streams to CRMs): 8 a pass
 * leaves most of it to those, and at a pass every 5 minutes fetches some 2,300 transcripts a day — more
 * voicemails than a thousand-user account receives. A backlog (the first passes) drains over a few hours.
 */
export const MAX_TRANSCRIPTS_PER_PASS = 8;
/**
 * Most batch reads one pass spends asking about pending transcriptions, out of the Light requests the
 * pass has left: each asks about up to MESSAGE_BATCH_SIZE voicemails of one mailbox.
 */
const MAX_RECHECKS_PER_PASS = 4;

/** What the voicemail stream keeps for transcripts between passes (in its sync_state.details). */
export interface TranscriptState {
  /** Per mailbox with pending transcriptions: when callsync last asked about them by id (ISO). */
  transcriptChecks?: Record<string, string>;
}

/**
 * The voicemail pass's last step; the call's disposition never waits for it (transcripts are not facts of
 * the derivation). First, pending transcriptions (InProgress, Unknown) that no mailbox read has reported on
 * lately are asked about by id, so one that completes reaches callsync even when its mailbox is not due for
 * a read; then the completed transcripts not stored yet are downloaded, at most MAX_TRANSCRIPTS_PER_PASS.
 * Failed, TimedOut and NotAvailable are final: nothing is fetched or waited for. Resumable: what a pass
 * leaves stays queued in the tables for the next.
 */
export async function syncTranscripts(ctx: RunContext, state: TranscriptState, light: LightBudget): Promise<void> {
  const rechecked = await recheckPending(ctx, state, light);
  const fetched = await fetchCompleted(ctx);
  if (rechecked + fetched.stored + fetched.missing > 0) ctx.logger.info({ rechecked, ...fetched }, 'voicemail transcripts');
}

/** Asks RingCentral again about pending transcriptions whose mailbox is due; returns the voicemails asked about. */
async function recheckPending(ctx: RunContext, state: TranscriptState, light: LightBudget): Promise<number> {
  const now = ctx.now();
  const pending = await pendingTranscriptions(ctx.database.db, ctx.accountId, new Date(now.getTime() - PENDING_GIVE_UP_MS));
  const byMailbox = new Map<string, PendingTranscription[]>();
  for (const p of pending) byMailbox.set(p.mailboxExtensionId, [...(byMailbox.get(p.mailboxExtensionId) ?? []), p]);
  const checks = Object.fromEntries(Object.entries(state.transcriptChecks ?? {}).filter(([mailbox]) => byMailbox.has(mailbox)));
  state.transcriptChecks = checks;

  let requests = 0;
  let asked = 0;
  // Mailboxes in the order of their newest pending voicemail (the query's order), newest first.
  for (const [mailbox, list] of byMailbox) {
    if (requests >= MAX_RECHECKS_PER_PASS || light.left() === 0) break;
    const newest = list[0]!.creationTime;
    const wait = recheckAfterMs(newest, now);
    const knownAt = Math.max(list[0]!.mailboxReadAt?.getTime() ?? 0, checks[mailbox] ? Date.parse(checks[mailbox]) : 0);
    if (wait === undefined || knownAt + wait > now.getTime()) continue;
    let complete = true;
    for (let i = 0; i < list.length; i += MESSAGE_BATCH_SIZE) {
      if (requests >= MAX_RECHECKS_PER_PASS || light.left() === 0) {
        complete = false;
        break;
      }
      const batch = list.slice(i, i + MESSAGE_BATCH_SIZE).map((p) => p.voicemailId);
      requests++;
      asked += batch.length;
      if (!(await recheckBatch(ctx, mailbox, batch))) break;
    }
    if (complete) checks[mailbox] = now.toISOString();
  }
  return asked;
}

/** One batch read of pending voicemails, stored like any read; false when RingCentral refused the mailbox. */
async function recheckBatch(ctx: RunContext, mailbox: string, ids: string[]): Promise<boolean> {
  ctx.checkpoint();
  let answers;
  try {
    answers = await ctx.api.messages(mailbox, ids, ctx.meter, ctx.signal);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    // The mailbox's own reads deal with access (mailbox-access.ts); here it only means: not now.
    ctx.logger.warn({ mailbox, status: error.status, errorCode: error.errorCode }, 'RingCentral refused a re-read of pending transcriptions');
    return false;
  }
  const entries: MessageEntry[] = answers.flatMap((a): MessageEntry[] =>
    a.kind === 'found' ? [a.entry] : a.kind === 'gone' ? [{ kind: 'tombstone', id: a.id, availability: a.availability }] : []);
  if (entries.length) {
    await ctx.writeTransaction(async (tx) => {
      const { changedIds: _, ...counts } = await upsertVoicemails(tx, ctx.accountId, mailbox, entries);
      await ctx.recordPage(tx, counts);
    });
  }
  return true;
}

/** Downloads completed transcripts not stored yet, newest voicemail first, at most MAX_TRANSCRIPTS_PER_PASS. */
async function fetchCompleted(ctx: RunContext): Promise<{ stored: number; missing: number }> {
  const out = { stored: 0, missing: 0 };
  for (const item of await transcriptsToFetch(ctx.database.db, ctx.accountId, MAX_TRANSCRIPTS_PER_PASS)) {
    ctx.checkpoint();
    let outcome: TranscriptOutcome;
    try {
      outcome = { fitted: fitTranscript(await ctx.api.attachmentText(item.uri, ctx.meter, ctx.signal)) };
    } catch (error) {
      if (isRefusal(error)) {
        // Gone (404: purged meanwhile) or refused: asked once. A new attachment URI on the message asks again.
        outcome = { missingCode: error.errorCode ?? `HTTP ${error.status}` };
      } else if (error instanceof MalformedPayloadError) {
        outcome = { missingCode: 'untrusted-uri' };
      } else {
        throw error;
      }
      ctx.logger.warn({ voicemail: item.voicemailId, mailbox: item.mailboxExtensionId, missingCode: outcome.missingCode, err: (error as Error).message }, 'voicemail transcript could not be downloaded');
    }
    await ctx.writeTransaction(async (tx) => {
      await saveTranscript(tx, ctx.accountId, item.voicemailId, item.uri, outcome);
      await ctx.recordPage(tx, { inserted: 0, updated: 1, unchanged: 0 });
    });
    if ('fitted' in outcome) out.stored++;
    else out.missing++;
  }
  return out;
}
