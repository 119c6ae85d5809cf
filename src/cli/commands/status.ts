import type { Command } from 'commander';
import { DEFAULT_STATUS_LINK_HOURS, localBaseUrl, MAX_STATUS_LINK_HOURS, statusPageUrl } from '../../api/status-page/link.ts';
import type { Config } from '../../config.ts';
import { silentLogger } from '../../logger.ts';
import { authSessionKeyring } from '../../secrets/keys.ts';
import type { Db } from '../../store/db.ts';
import { statusFacts, type StatusFacts } from '../../sync/status-facts.ts';
import { action, commandContext, parseIntFlag, withDatabase } from '../context.ts';

/** Per account and stream: last success, synced-through, last error, and the last run's cost. Reads only the database. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show each sync stream: last success, synced-through, last error, requests and 429s of the last run')
    .option('--json', 'print the same facts as one JSON document (times in ISO 8601, absent ones null)')
    .option('--link', 'print a link to the API\'s status page (/status) that opens without an API key until it expires')
    .option('--hours <n>', `with --link: how long the link works (1-${MAX_STATUS_LINK_HOURS})`, String(DEFAULT_STATUS_LINK_HOURS))
    .action(action(async (flags: { json?: boolean; link?: boolean; hours: string }) => {
      const { config } = commandContext();
      if (flags.link) {
        const hours = parseIntFlag('--hours', flags.hours, 1, MAX_STATUS_LINK_HOURS);
        process.stdout.write(`${statusLink(config, new Date(Date.now() + hours * 3_600_000))}\n`);
        return;
      }
      await withDatabase(config, async (database) => {
        const facts = await statusFacts(database.db, config.sync.fastPath);
        process.stdout.write(flags.json ? `${JSON.stringify(facts, null, 2)}\n` : renderStatus(facts));
      });
    }));
}

/**
 * The status page's address, signed until `expiresAt` with the keyring the API server verifies with (the
 * same configuration gives the same keys), at http://HOST:PORT.
 */
export function statusLink(config: Config, expiresAt: Date): string {
  // Silent: the keyring's notes (which key seals sessions) would mix with the link on stdout.
  return statusPageUrl(authSessionKeyring(config, silentLogger), config.media.publicBaseUrl ?? localBaseUrl(config.host, config.port), expiresAt);
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

