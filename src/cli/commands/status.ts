import type { Command } from 'commander';
import { listAccounts } from '../../store/accounts.ts';
import { allSyncStates, latestRuns } from '../../store/sync-state.ts';
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
        const accounts = await listAccounts(database.db);
        if (accounts.length === 0) process.stdout.write('nothing synced yet: run `callsync sync` or `callsync start`\n');
        for (const account of accounts) {
          process.stdout.write(`account ${account.id}${account.name ? ` (${account.name})` : ''}\n`);
          const runs = new Map((await latestRuns(database.db, account.id)).map((r) => [r.stream, r]));
          const states = await allSyncStates(database.db, account.id);
          // Mailboxes have a checkpoint each; one summary line says more than a screen of them.
          const mailboxes = states.filter((s) => s.stream.startsWith('voicemail:'));
          for (const s of states.filter((s) => !s.stream.startsWith('voicemail:'))) {
            const run = runs.get(s.stream);
            const requests = run ? Object.entries(run.requests).filter(([, n]) => n > 0).map(([g, n]) => `${g} ${n}`).join(', ') || 'none' : '—';
            process.stdout.write(
              `  ${s.stream}\n` +
                `    last success   ${at(s.lastSuccessAt)}\n` +
                `    synced through ${at(s.syncedThrough)}${s.cursor ? '  (a pass is in progress; the next run resumes it)' : ''}\n` +
                `    rows written   ${s.recordsSynced}\n` +
                `    last error     ${s.lastError ? `${s.lastErrorCode ? `[${s.lastErrorCode}] ` : ''}${s.lastError}` : '—'}\n` +
                `    last run       ${run ? `${run.outcome} at ${at(run.startedAt)}; requests ${requests}; 429s ${run.rateLimited}` : '—'}\n`,
            );
          }
          if (mailboxes.length > 0) {
            const oldest = mailboxes.map((m) => m.syncedThrough).filter((d): d is Date => !!d).sort((a, b) => a.getTime() - b.getTime())[0];
            const failing = mailboxes.filter((m) => m.lastError).length;
            process.stdout.write(`  mailboxes: ${mailboxes.length} synced, the least recent through ${at(oldest)}, ${mailboxes.reduce((n, m) => n + m.recordsSynced, 0)} voicemail rows written${failing ? `, ${failing} failing` : ''}
`);
          }
        }
      });
    }));
}
