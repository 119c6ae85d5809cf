import { sql } from 'drizzle-orm';
import { mailboxesToCheck, planMailboxReads, type PlannedRead } from '../core/mailbox-plan.ts';
import { coverageStart } from '../store/coverage.ts';
import { rowsOf } from '../store/db.ts';
import { loadCallFactsUpdatedSince } from '../store/facts.ts';
import { databaseNow, loadMailboxes, recordEvidence, type Evidence, type MailboxRow } from '../store/mailboxes.ts';
import { readSyncState, writeSyncState } from '../store/sync-state.ts';
import { Access, checkAccess, describeAccess, VOICEMAIL_STREAM, type AccessState } from './mailbox-access.ts';
import { LightBudget, readMailbox } from './mailbox-read.ts';
import type { RunContext } from './runner.ts';
import type { VoicemailReference } from '../store/voicemails.ts';
import { fetchById, leftAfterReads, sortReferences, type References } from './voicemail-references.ts';
import { syncTranscripts, type TranscriptState } from './transcripts.ts';

export { VOICEMAIL_STREAM };

/**
 * Most Light requests (mailbox reads and batch reads) one pass spends: RingCentral allows 50 a minute, and
 * two go to the account and the permission check, so no pass needs more than a minute of the budget however
 * large the account. A steady pass needs far fewer (see the README's formula); only a backlog — the first
 * reads of a large account — reaches it, and what is left waits for the next pass, newest calls first.
 */
const MAX_LIGHT_PER_PASS = 48;
/** Calls written this long before the last evidence scan are read again: a page committed late is not missed. */
const EVIDENCE_OVERLAP_MS = 2 * 60_000;
const EVIDENCE_CHUNK = 2_000;

/** What the voicemail stream keeps between passes (sync_state.details). */
interface VoicemailDetails extends AccessState, TranscriptState {
  /** Calls written (updated_at, database clock) before this have been read for evidence. */
  evidenceThrough?: string;
  /** When the previous pass started: the rotation's share of this pass depends on it. */
  lastPassAt?: string;
}

export interface VoicemailOptions {
  /** A voicemail may be created this long after its call ended. */
  voicemailWindowMs: number;
}

/** One unit of urgent work: read a mailbox, or fetch its named voicemails by id; newest call first. */
type Work = { at: number; mailbox: string } & ({ kind: 'read' } | { kind: 'by-id'; refs: VoicemailReference[] });

/**
 * One voicemail pass, within the Light budget whatever the account's size:
 * 1. find out whether RingCentral lets the JWT user read other extensions' mailboxes (CMN-419 otherwise);
 * 2. note, per mailbox, the latest unanswered inbound call the call log routed to it (the evidence);
 * 3. today's work, newest call first: mailboxes whose calls named a voicemail or ended unanswered are read,
 *    voicemails their reads did not bring are fetched by id in batches — stubs for those we may not read;
 * 4. with what is left of the budget: never-read and overdue mailboxes, and this pass's share of the rotation.
 */
export async function syncVoicemails(ctx: RunContext, options: VoicemailOptions): Promise<void> {
  const startedAt = ctx.now();
  const db = ctx.database.db;
  const state = await readSyncState(db, ctx.accountId, VOICEMAIL_STREAM);
  const details: VoicemailDetails = { ...((state?.details as VoicemailDetails | null) ?? {}) };
  const saveDetails = () => writeSyncState(db, ctx.accountId, VOICEMAIL_STREAM, { details: { ...details } });

  details.ownExtensionId ??= (await ctx.api.ownExtension(ctx.meter, ctx.signal)).id;
  const coverFrom = await coverageStart(db, ctx.accountId, new Date(startedAt.getTime() - ctx.settings.backfillDays * 86_400_000));
  let mailboxes = await loadMailboxes(db, ctx.accountId);
  await checkAccess(ctx, details, mailboxes);
  await gatherEvidence(ctx, details, mailboxes, coverFrom);
  await saveDetails();

  mailboxes = await loadMailboxes(db, ctx.accountId);
  const access = new Access(ctx, details, mailboxes, startedAt);
  const budget = new LightBudget(ctx, MAX_LIGHT_PER_PASS);
  const more = () => budget.left() > 0;
  const refs = await sortReferences(ctx, access, options.voicemailWindowMs);
  const plan = planMailboxReads(access.states(refs.named), {
    now: startedAt,
    sweepMs: ctx.settings.voicemailSweepHours * 3_600_000,
    voicemailWindowMs: options.voicemailWindowMs,
    sincePreviousPassMs: details.lastPassAt ? startedAt.getTime() - Date.parse(details.lastPassAt) : undefined,
    maxReads: MAX_LIGHT_PER_PASS,
  });

  const read = new Set<string>();
  const probe = access.probe();
  if (probe && (await readMailbox(ctx, access, probe, coverFrom))) {
    read.add(probe);
    await access.granted();
  }
  for (const work of urgentWork(plan, refs, mailboxes)) {
    if (!more()) break;
    if (work.kind === 'by-id') await fetchById(ctx, access, work.mailbox, work.refs, more);
    else if (!read.has(work.mailbox) && access.readable(work.mailbox) && (await readMailbox(ctx, access, work.mailbox, coverFrom))) read.add(work.mailbox);
  }
  for (const [mailbox, left] of await leftAfterReads(ctx, read)) await fetchById(ctx, access, mailbox, left, more);
  for (const { id } of plan.filter((p) => !isUrgent(p))) {
    if (!more()) break;
    if (!read.has(id) && access.readable(id) && (await readMailbox(ctx, access, id, coverFrom))) read.add(id);
  }

  // Mailboxes refused during this pass: the voicemails named there become stubs now, not a pass later.
  if (access.refusedCount() > 0) await sortReferences(ctx, access, options.voicemailWindowMs);
  details.lastPassAt = startedAt.toISOString();
  await saveDetails();
  const problem = describeAccess(details, access.refusedCount(), mailboxes.length, await unreadableCount(ctx));
  if (problem) {
    ctx.logger.warn({ errorCode: problem.errorCode, refused: access.refusedCount(), mailboxes: mailboxes.length }, problem.message);
    ctx.reportProblem(problem.message, problem.errorCode);
  }
  ctx.logger.info({ read: read.size, planned: countBy(plan), requests: ctx.meter.requests.Light, mailboxes: mailboxes.length }, 'voicemail pass');
  // Last, once the messages are stored: a transcript download that fails cannot hold back a voicemail.
  await syncTranscripts(ctx, details, budget);
  await saveDetails();
}

const isUrgent = (r: PlannedRead) => r.reason === 'named' || r.reason === 'new-evidence' || r.reason === 'voicemail-window';

/** Urgent reads and fetches by id in one queue, newest call first, so a backlog never delays today's calls. */
function urgentWork(plan: PlannedRead[], refs: References, mailboxes: MailboxRow[]): Work[] {
  const byId = new Map(mailboxes.map((m) => [m.id, m]));
  const work: Work[] = plan.filter(isUrgent).map((r) => {
    const m = byId.get(r.id);
    const at = Math.max(refs.named.get(r.id)?.getTime() ?? 0, m?.evidenceAt?.getTime() ?? 0);
    return { kind: 'read', mailbox: r.id, at };
  });
  for (const [mailbox, list] of refs.byId) work.push({ kind: 'by-id', mailbox, refs: list, at: Math.max(...list.map((r) => r.callEnd.getTime())) });
  return work.sort((a, b) => b.at - a.at || (a.mailbox < b.mailbox ? -1 : a.mailbox > b.mailbox ? 1 : 0));
}

/** Raises each mailbox's evidence from the calls written since the last scan (crash-safe: idempotent). */
async function gatherEvidence(ctx: RunContext, details: VoicemailDetails, mailboxes: MailboxRow[], coverFrom: Date): Promise<void> {
  const db = ctx.database.db;
  const clock = await databaseNow(db);
  const since = details.evidenceThrough ? new Date(Date.parse(details.evidenceThrough) - EVIDENCE_OVERLAP_MS) : new Date(0);
  const known = new Set(mailboxes.map((m) => m.id));
  const evidence = new Map<string, Evidence>();
  for (let after: { updatedAt: string; id: string } | undefined, done = false; !done; ) {
    ctx.checkpoint();
    const chunk = await loadCallFactsUpdatedSince(db, ctx.accountId, since, after, EVIDENCE_CHUNK);
    for (const call of chunk.calls) {
      // Before the coverage start no mailbox read reaches: that evidence could never be acted on.
      if (call.endTime < coverFrom) continue;
      for (const id of mailboxesToCheck(call, (ext) => known.has(ext))) {
        const seen = evidence.get(id);
        const written = !seen || Date.parse(call.updatedAt) >= Date.parse(seen.written) ? call.updatedAt : seen.written;
        evidence.set(id, { callEnd: !seen || seen.callEnd < call.endTime ? call.endTime : seen.callEnd, written });
      }
    }
    after = chunk.last;
    done = chunk.calls.length < EVIDENCE_CHUNK;
  }
  await recordEvidence(db, ctx.accountId, evidence);
  details.evidenceThrough = clock;
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
