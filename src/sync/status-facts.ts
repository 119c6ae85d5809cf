import { accountNames } from '../store/status-reads.ts';
import { loadMailboxes } from '../store/mailboxes.ts';
import { allSyncStates, latestRuns, type SyncStateRow } from '../store/sync-state.ts';
import type { Db } from '../store/db.ts';
import { parseCallLogCursor, scanInProgress } from './call-log-cursor.ts';
import { BACKFILL_STREAM, CALL_LOG_STREAM } from './call-log.ts';
import { VOICEMAIL_STREAM, type AccessState } from './mailbox-access.ts';

/*
 * What the sync streams' checkpoints and runs say about their health, gathered once for every view of it:
 * `callsync status` (text and --json) and the /status page (src/api/status-page/).
 */

const at = (d: Date | null | undefined) => (d ? d.toISOString() : '—');

/** One stream's state as `callsync status` reports it. */
export interface StreamStatus {
  stream: string;
  lastSuccessAt: string | null;
  syncedThrough: string | null;
  /** A pass stopped part-way; the next run resumes it. */
  inProgress: boolean;
  /** The call-log stream's extract-sync fast path (other streams: null). */
  fastPath: { state: 'on' | 'off' | 'refused'; description: string } | null;
  rowsWritten: number;
  lastError: { message: string; errorCode: string | null } | null;
  lastRun: { outcome: string; startedAt: string; requests: Record<string, number>; rateLimited: number } | null;
}

/** The mailboxes of an account in one summary (they have a checkpoint each). */
export interface MailboxesStatus {
  total: number;
  read: number;
  leastRecentlyReadAt: string | null;
  voicemailRowsWritten: number;
  refused: number;
  refusedErrorCodes: string[];
}

/** What `callsync status --json` prints; `callsync status` renders the same facts as text. */
export interface StatusFacts {
  accounts: Array<{ id: string; name: string | null; streams: StreamStatus[]; mailboxes: MailboxesStatus | null }>;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * The facts of `callsync status` and of the /status page, per account and stream. Reads only the database,
 * and only what the API's read-only role may read (src/store/roles.ts).
 */
export async function statusFacts(db: Db, fastPath: 'extract-sync' | 'off'): Promise<StatusFacts> {
  const facts: StatusFacts = { accounts: [] };
  for (const account of await accountNames(db)) {
    const runs = new Map((await latestRuns(db, account.id)).map((r) => [r.stream, r]));
    const states = await allSyncStates(db, account.id);
    const mailboxStates = states.filter((s) => s.stream.startsWith('voicemail:'));
    const streams = states.filter((s) => !s.stream.startsWith('voicemail:')).map((s): StreamStatus => {
      const run = runs.get(s.stream);
      return {
        stream: s.stream,
        lastSuccessAt: iso(s.lastSuccessAt),
        syncedThrough: iso(s.syncedThrough),
        inProgress: inProgress(s),
        fastPath: s.stream === CALL_LOG_STREAM ? { state: fastPathState(s, fastPath), description: describeFastPath(s, fastPath) } : null,
        rowsWritten: s.recordsSynced,
        lastError: s.lastError ? { message: s.lastError, errorCode: s.lastErrorCode ?? null } : null,
        lastRun: run ? { outcome: run.outcome, startedAt: run.startedAt.toISOString(), requests: { ...run.requests }, rateLimited: run.rateLimited } : null,
      };
    });
    let mailboxes: MailboxesStatus | null = null;
    const boxes = await loadMailboxes(db, account.id);
    if (boxes.length > 0) {
      const access = (states.find((s) => s.stream === VOICEMAIL_STREAM)?.details ?? {}) as AccessState;
      const read = boxes.filter((m) => m.readStartedAt);
      const oldest = read.map((m) => m.readStartedAt!).sort((a, b) => a.getTime() - b.getTime())[0];
      const refused = boxes.filter((m) => m.access === 'forbidden' || (access.otherMailboxes === 'denied' && m.id !== access.ownExtensionId));
      mailboxes = {
        total: boxes.length,
        read: read.length,
        leastRecentlyReadAt: iso(oldest),
        voicemailRowsWritten: mailboxStates.reduce((n, m) => n + m.recordsSynced, 0),
        refused: refused.length,
        refusedErrorCodes: [...new Set(refused.map((m) => m.accessErrorCode ?? access.accessErrorCode ?? '?'))],
      };
    }
    facts.accounts.push({ id: account.id, name: account.name ?? null, streams, mailboxes });
  }
  return facts;
}

/** The call-log streams keep more than a scan in their cursor; other streams' cursors are a pass in progress. */
function inProgress(s: SyncStateRow): boolean {
  return s.stream === CALL_LOG_STREAM || s.stream === BACKFILL_STREAM ? scanInProgress(s.cursor) : !!s.cursor;
}

/** The fast path's state in one word, for --json. */
function fastPathState(s: SyncStateRow, configured: 'extract-sync' | 'off'): 'on' | 'off' | 'refused' {
  if (configured === 'off') return 'off';
  return parseCallLogCursor(s.cursor).extractSync ? 'refused' : 'on';
}

/** The extract-sync fast path of the call-log stream: on, off by configuration, or refused by RingCentral. */
export function describeFastPath(s: SyncStateRow, configured: 'extract-sync' | 'off'): string {
  if (configured === 'off') return 'off (SYNC_FAST_PATH=off)';
  const refusal = parseCallLogCursor(s.cursor).extractSync;
  if (refusal) {
    return `refused by RingCentral since ${refusal.since} with HTTP ${refusal.status}${refusal.errorCode ? ` ${refusal.errorCode}` : ''}; next try after ${refusal.retryAt}`;
  }
  return s.syncToken ? `on (extract-sync token of ${at(s.syncTokenAt)})` : 'on (no token yet: the next pass asks for one)';
}
