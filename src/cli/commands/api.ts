import type { Command } from 'commander';
import { startApiServer } from '../../api/server.ts';
import { UsageError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { accountBudget, credentialKey, openConfiguredDatabase } from '../../main.ts';
import { mediaForServe } from '../../media/connect.ts';
import { describeScope, knownAccounts, resolveKeyAccounts } from '../../store/api-key-accounts.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../../store/api-keys.ts';
import { RateBudget } from '../../ringcentral/rate-budget.ts';
import type { RequestBudget } from '../../ringcentral/request-budget.ts';
import type { Database } from '../../store/db.ts';
import { mayUseTable } from '../../store/roles.ts';
import { requireServableSchema } from '../../store/schema-check.ts';
import { action, commandContext, withDatabase } from '../context.ts';

const at = (d: Date | null) => (d ? d.toISOString() : '—');

/** `callsync serve` and `callsync api-key create|list|revoke`. */
export function registerApi(program: Command): void {
  program
    .command('serve')
    .description('serve the GraphQL API on HOST:PORT (never syncs nor migrates, so it can run as a read-only role; `start` syncs and serves)')
    .action(action(async () => {
      const { config, logger } = commandContext({ accounts: 'none' });
      const database = await openConfiguredDatabase(config);
      try {
        // Never migrates: serve may run as the read-only API role; `migrate` and `start` run as the sync role.
        await requireServableSchema(database, logger);
        const media = await mediaForServe(config, database, credentialKey, await serveBudgets(database, logger), logger);
        const server = await startApiServer({ database, databaseUrl: config.databaseUrl, port: config.port, host: config.host, logger, limits: config.api, metricsToken: config.metricsToken, keyring: media.keyring, syncFastPath: config.sync.fastPath, media });
        await new Promise<void>((resolve) => process.once('SIGTERM', resolve).once('SIGINT', resolve));
        await server.close();
      } finally {
        // Also when start-up failed: an open pool would keep the process alive after the message.
        await database.close();
      }
    }));

  const keys = program.command('api-key').description('manage the keys the GraphQL API accepts');
  keys
    .command('create')
    .description('create a key; it is printed once, as the last line')
    .requiredOption('--name <name>', 'a name for the key, e.g. the CRM it is for')
    .option('--account <name>', 'an account the key may read: an added account\'s name or a RingCentral account id (repeatable; required once the database holds two accounts)', (value: string, all: string[]) => [...all, value], [] as string[])
    .action(action(async (opts: { name: string; account: string[] }) => {
      const { config } = commandContext({ accounts: 'none' });
      const { key, scope } = await withDatabase(config, async (database) => {
        const accountIds = await resolveKeyAccounts(database.db, opts.account);
        return { key: await createApiKey(database.db, opts.name, accountIds), scope: describeScope(accountIds, await knownAccounts(database.db)) };
      });
      process.stdout.write(`API key "${opts.name}" created; it reads ${scope}. It is shown only now; send it as "Authorization: Bearer <key>".\n${key}\n`);
    }));
  keys
    .command('list')
    .description('list keys (names, prefixes, the accounts each reads, last use; never the keys)')
    .action(action(async () => {
      const { config } = commandContext({ accounts: 'none' });
      const { rows, known } = await withDatabase(config, async (database) => ({ rows: await listApiKeys(database.db), known: await knownAccounts(database.db) }));
      if (rows.length === 0) process.stdout.write('no API keys yet: `callsync api-key create --name NAME`\n');
      for (const k of rows) {
        const scope = `reads ${describeScope(k.accountIds, known)}`;
        process.stdout.write(`${k.name}\t${k.prefix}…\t${scope}\tcreated ${at(k.createdAt)}\tlast used ${at(k.lastUsedAt)}${k.revokedAt ? `\trevoked ${at(k.revokedAt)}` : ''}\n`);
      }
    }));
  keys
    .command('revoke')
    .description('revoke a key by name')
    .argument('<name>')
    .action(action(async (name: string) => {
      const { config } = commandContext({ accounts: 'none' });
      if (!(await withDatabase(config, (database) => revokeApiKey(database.db, name)))) throw new UsageError(`no active API key named "${name}"`);
      process.stdout.write(`API key "${name}" revoked\n`);
    }));
}

/**
 * /media's rate budgets: shared with the workers and `start` through rate_ledger when the role may use it
 * (`db-grants --media`), else this process's own (RingCentral's headers then tell it what others spent).
 */
async function serveBudgets(database: Database, logger: Logger): Promise<(credentialKey: string) => RequestBudget> {
  const shared = await mayUseTable(database, 'rate_ledger', 'SELECT, INSERT, UPDATE');
  const budgets = new Map<string, RequestBudget>();
  return (key) => {
    let budget = budgets.get(key);
    if (!budget) budgets.set(key, (budget = shared ? accountBudget(database, key, true, logger) : new RateBudget()));
    return budget;
  };
}
