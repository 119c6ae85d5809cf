import type { Command } from 'commander';
import { openConfiguredDatabase } from '../../main.ts';
import { migrate } from '../../store/migrate.ts';
import { action, commandContext } from '../context.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (also done automatically at start)')
    .action(action(async () => {
      const { config } = commandContext();
      const database = await openConfiguredDatabase(config);
      try {
        await migrate(database);
        process.stdout.write(`migrations applied (${database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'})\n`);
      } finally {
        await database.close();
      }
    }));
}
