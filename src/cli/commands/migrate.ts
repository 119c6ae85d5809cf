import type { Command } from 'commander';
import { action, commandContext, withDatabase } from '../context.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (also done automatically at start)')
    .action(action(async () => {
      const { config } = commandContext();
      await withDatabase(config, async (database) => {
        process.stdout.write(`migrations applied (${database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'})\n`);
      });
    }));
}
