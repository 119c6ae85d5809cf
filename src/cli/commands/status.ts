import type { Command } from 'commander';
import { listAccounts } from '../../store/accounts.ts';
import { loadMailboxes } from '../../store/mailboxes.ts';
import { allSyncStates, latestRuns, type SyncStateRow } from '../../store/sync-state.ts';
import { parseCallLogCursor, scanInProgress } from '../../sync/call-log-cursor.ts';
import { BACKFILL_STREAM, CALL_LOG_STREAM } from '../../sync/call-log.ts';
import type { Db } from '../../store/db.ts';
import { VOICEMAIL_STREAM, type AccessState } from '../../sync/mailbox-access.ts';
import { action, commandContext, withDatabase } from '../context.ts';

const at = (d: Date | null | undefined) => (d ? d.toISOString() : '—');

/** Per account and stream: last success, synced-through, last error, and the last run's cost. Reads only the database. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show each sync stream: last success, synced-through, last error, requests and 429s of the last run')
    .option('--json', 'print the same facts as one JSON document (times in ISO 8601, absent ones null)')
    .action(action(async (flags: { json?: boolean }) => {
      const { config } = commandContext();
      await withDatabase(config, async (database) => {
        const facts = await statusFacts(database.db, config.sync.fastPath);
        process.stdout.write(flags.json ? `${JSON.stringify(facts, null, 2)}\n` : renderStatus(facts));
      });
    }));
}

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

/** The facts of `callsync status`, per account and stream. Reads only the database. */
export async function statusFacts(db: Db, fastPath: 'extract-sync' | 'off'): Promise<StatusFacts> {
  const facts: StatusFacts = { accounts: [] };
  for (const account of await listAccounts(db)) {
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

/** What `callsync status` prints: per account and stream, then the mailboxes in one line. Reads only the database. */
export async function statusReport(db: Db, fastPath: 'extract-sync' | 'off'): Promise<string> {
  return renderStatus(await statusFacts(db, fastPath));
}

/** The text of `callsync status`. */
export function renderStatus(facts: StatusFacts): string {
  if (facts.accounts.length === 0) return 'nothing synced yet: run `callsync sync` or `callsync start`\n';
  const at = (t: string | null) => t ?? '—';
  let out = '';
  for (const account of facts.accounts) {
    out += `account ${account.id}${account.name ? ` (${account.name})` : ''}\n`;
    for (const s of account.streams) {
      const run = s.lastRun;
      const requests = run ? Object.entries(run.requests).filter(([, n]) => n > 0).map(([g, n]) => `${g} ${n}`).join(', ') || 'none' : '—';
      out +=
        `  ${s.stream}\n` +
        `    last success   ${at(s.lastSuccessAt)}\n` +
        `    synced through ${at(s.syncedThrough)}${s.inProgress ? '  (a pass is in progress; the next run resumes it)' : ''}\n` +
        (s.fastPath ? `    fast path      ${s.fastPath.description}\n` : '') +
        `    rows written   ${s.rowsWritten}\n` +
        `    last error     ${s.lastError ? `${s.lastError.errorCode ? `[${s.lastError.errorCode}] ` : ''}${s.lastError.message}` : '—'}\n` +
        `    last run       ${run ? `${run.outcome} at ${run.startedAt}; requests ${requests}; 429s ${run.rateLimited}` : '—'}\n`;
    }
    const m = account.mailboxes;
    if (m) {
      out += `  mailboxes: ${m.total}, ${m.read} read (the least recently at ${at(m.leastRecentlyReadAt)}), ${m.voicemailRowsWritten} voicemail rows written`
        + `${m.refused ? `; ${m.refused} refused by RingCentral (${m.refusedErrorCodes.join(', ')}): see the voicemails stream's last error` : ''}\n`;
    }
  }
  return out;
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
