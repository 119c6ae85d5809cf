import { hostname } from 'node:os';
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { accountsKeyring } from '../../secrets/keys.ts';
import { AccountApps, sharedBudgets } from '../../workers/account-apps.ts';
import { openWorkerDatabases } from '../../workers/databases.ts';
import { startWorker } from '../../workers/worker.ts';
import { action, commandContext, parseIntFlag } from '../context.ts';

interface WorkerFlags {
  concurrency: string;
  id?: string;
  slice: string;
  lease: string;
  poll: string;
}

/** Flags as settings, each checked and named when wrong. */
export function workerSettings(flags: WorkerFlags) {
  const id = flags.id?.trim() || `${hostname()}:${process.pid}`;
  if (id.length > 200) throw new UsageError(`--id must be at most 200 characters (got ${id.length})`);
  const leaseTtlMs = parseIntFlag('--lease', flags.lease, 3, 3600) * 1000;
  return {
    id,
    concurrency: parseIntFlag('--concurrency', flags.concurrency, 1, 64),
    leaseTtlMs,
    sliceMs: parseIntFlag('--slice', flags.slice, 1, 86_400) * 1000,
    pollMs: parseIntFlag('--poll', flags.poll, 1, 60) * 1000,
  };
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('sync the accounts added with `callsync account add`, sharing them with every other worker on the database; SIGTERM stops at the next page and lets go of them')
    .addOption(new Option('--concurrency <n>', 'accounts this worker syncs at once').env('WORKER_CONCURRENCY').default('8'))
    .addOption(new Option('--id <name>', 'this worker\'s name in leases, the pass log and logs (default hostname:pid)').env('WORKER_ID'))
    .addOption(new Option('--slice <seconds>', 'a pass running longer stops at a page boundary and its account goes back in the queue').env('WORKER_PASS_SLICE_SECONDS').default('300'))
    .addOption(new Option('--lease <seconds>', 'lease length: a dead worker\'s accounts move on this long after its last renewal (renewed every third of it)').env('WORKER_LEASE_SECONDS').default('30'))
    .addOption(new Option('--poll <seconds>', 'how often an idle worker looks for due accounts').env('WORKER_POLL_SECONDS').default('1'))
    .action(action(async (flags: WorkerFlags) => {
      const settings = workerSettings(flags);
      const { config, logger } = commandContext({ accounts: 'none' });
      const keyring = accountsKeyring(config, logger);
      const databases = await openWorkerDatabases(config, settings.concurrency);
      const apps = new AccountApps({ config, database: databases.sync, keyring, logger, budgetFor: sharedBudgets(databases.control, logger) });
      const worker = startWorker({ control: databases.control, open: (name) => apps.open(name), defaultSchedule: config.sync.schedule, logger }, settings);
      const stop = (signal: string) => {
        logger.info({ signal }, 'stopping: finishing the current pages and letting go of the accounts');
        void worker.stop();
      };
      process.once('SIGTERM', () => stop('SIGTERM')).once('SIGINT', () => stop('SIGINT'));
      try {
        await worker.done;
      } finally {
        await databases.close();
      }
      logger.info('worker stopped cleanly');
    }));
}
