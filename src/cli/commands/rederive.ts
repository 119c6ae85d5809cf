import type { Command } from 'commander';
import { listAccounts } from '../../store/accounts.ts';
import type { WriteCounts } from '../../store/bulk.ts';
import { deriveAll } from '../../sync/derive.ts';
import { action, commandContext, withDatabase } from '../context.ts';

const describe = (name: string, c: WriteCounts, dryRun: boolean) =>
  `  ${name.padEnd(13)} ${c.inserted} ${dryRun ? 'would be added' : 'added'}, ${c.updated} ${dryRun ? 'would change' : 'changed'}, ${c.unchanged} unchanged`;

/** Recomputes links, dispositions and callbacks from the stored raw payloads; RingCentral is not called. */
export function registerRederive(program: Command): void {
  program
    .command('rederive')
    .description('recompute every voicemail link, disposition and callback from stored data (no RingCentral calls)')
    .option('--dry-run', 'report what would change, change nothing')
    .action(action(async (opts: { dryRun?: boolean }) => {
      const { config, logger } = commandContext();
      await withDatabase(config, async (database) => {
        const dryRun = opts.dryRun === true;
        for (const account of await listAccounts(database.db)) {
          const started = performance.now();
          const summary = await deriveAll({
            database, accountId: account.id, settings: config.derive, logger, now: new Date(), dryRun,
            transaction: (fn) => database.db.transaction(fn),
          });
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          process.stdout.write(
            `account ${account.id}: ${summary.calls} calls, ${summary.voicemails} voicemails in ${seconds} s${dryRun ? ' (dry run: nothing written)' : ''}\n` +
              `${describe('links', summary.links, dryRun)}\n${describe('dispositions', summary.dispositions, dryRun)}\n${describe('callbacks', summary.callbacks, dryRun)}\n`,
          );
        }
      });
    }));
}
