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
    .action(action(async () => {
      const { config } = commandContext();
      await withDatabase(config, async (database) => {
        process.stdout.write(await statusReport(database.db, config.sync.fastPath));
      });
    }));
}

/** What `callsync status` prints: per account and stream, then the mailboxes in one line. Reads only the database. */
export async function statusReport(db: Db, fastPath: 'extract-sync' | 'off'): Promise<string> {
  const accounts = await listAccounts(db);
  if (accounts.length === 0) return 'nothing synced yet: run `callsync sync` or `callsync start`\n';
  let out = '';
  for (const account of accounts) {
    out += `account ${account.id}${account.name ? ` (${account.name})` : ''}\n`;
    const runs = new Map((await latestRuns(db, account.id)).map((r) => [r.stream, r]));
    const states = await allSyncStates(db, account.id);
    // Mailboxes have a checkpoint each; one summary line says more than a screen of them.
    const mailboxes = states.filter((s) => s.stream.startsWith('voicemail:'));
    for (const s of states.filter((s) => !s.stream.startsWith('voicemail:'))) {
      const run = runs.get(s.stream);
      const requests = run ? Object.entries(run.requests).filter(([, n]) => n > 0).map(([g, n]) => `${g} ${n}`).join(', ') || 'none' : '—';
      out +=
        `  ${s.stream}\n` +
        `    last success   ${at(s.lastSuccessAt)}\n` +
        `    synced through ${at(s.syncedThrough)}${inProgress(s) ? '  (a pass is in progress; the next run resumes it)' : ''}\n` +
        (s.stream === CALL_LOG_STREAM ? `    fast path      ${describeFastPath(s, fastPath)}\n` : '') +
        `    rows written   ${s.recordsSynced}\n` +
        `    last error     ${s.lastError ? `${s.lastErrorCode ? `[${s.lastErrorCode}] ` : ''}${s.lastError}` : '—'}\n` +
        `    last run       ${run ? `${run.outcome} at ${at(run.startedAt)}; requests ${requests}; 429s ${run.rateLimited}` : '—'}\n`;
    }
    const boxes = await loadMailboxes(db, account.id);
    if (boxes.length > 0) {
      const access = (states.find((s) => s.stream === VOICEMAIL_STREAM)?.details ?? {}) as AccessState;
      const read = boxes.filter((m) => m.readStartedAt);
      const oldest = read.map((m) => m.readStartedAt!).sort((a, b) => a.getTime() - b.getTime())[0];
      const refused = boxes.filter((m) => m.access === 'forbidden' || (access.otherMailboxes === 'denied' && m.id !== access.ownExtensionId));
      const codes = [...new Set(refused.map((m) => m.accessErrorCode ?? access.accessErrorCode ?? '?'))].join(', ');
      out += `  mailboxes: ${boxes.length}, ${read.length} read (the least recently at ${at(oldest)}), ${mailboxes.reduce((n, m) => n + m.recordsSynced, 0)} voicemail rows written`
        + `${refused.length ? `; ${refused.length} refused by RingCentral (${codes}): see the voicemails stream's last error` : ''}\n`;
    }
  }
  return out;
}

/** The call-log streams keep more than a scan in their cursor; other streams' cursors are a pass in progress. */
function inProgress(s: SyncStateRow): boolean {
  return s.stream === CALL_LOG_STREAM || s.stream === BACKFILL_STREAM ? scanInProgress(s.cursor) : !!s.cursor;
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
