import type { Command } from 'commander';
import { renderGrants } from '../../store/roles.ts';
import { action } from '../context.ts';

/** `callsync db-grants`: prints the SQL that sets up the read-only API role and the sync role. */
export function registerDbGrants(program: Command): void {
  program
    .command('db-grants')
    .description('print the GRANT statements for a read-only API role (`serve`) and the sync role (`migrate`, `sync`, `start`); connects to nothing')
    .requiredOption('--api-role <name>', 'the role `callsync serve` logs in as')
    .requiredOption('--sync-role <name>', 'the role `callsync migrate`, `sync` and `start` log in as')
    .option('--database <name>', 'the database callsync lives in', 'callsync')
    .option('--media', '`serve` also serves /media (audio from RingCentral): its role may use the shared RingCentral session')
    .option('--bi-role <name>', 'also a role for BI tools: reads the views of schema callsync_bi, no table')
    .action(action(async (opts: { apiRole: string; syncRole: string; database: string; media?: boolean; biRole?: string }) => {
      process.stdout.write(renderGrants(opts));
    }));
}
