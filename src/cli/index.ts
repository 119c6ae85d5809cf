#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAccount } from './commands/account.ts';
import { registerBackfill } from './commands/backfill.ts';
import { registerDbGrants } from './commands/db-grants.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerApi } from './commands/api.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerRederive } from './commands/rederive.ts';
import { registerSimulator } from './commands/simulator.ts';
import { registerStart } from './commands/start.ts';
import { registerStatus } from './commands/status.ts';
import { registerSync } from './commands/sync.ts';
import { registerWorker } from './commands/worker.ts';
import { ExitCode } from './exit-codes.ts';

/** The version of package.json: the one source of it. */
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('callsync')
  .version(version, '-v, --version', 'print the version of callsync')
  .description('Sync RingCentral call logs into Postgres with one final disposition per call. Configured by environment variables (see README).')
  .showHelpAfterError()
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : ExitCode.usage);
  });

registerMigrate(program);
registerSync(program);
registerBackfill(program);
registerStart(program);
registerSimulator(program);
registerStatus(program);
registerRederive(program);
registerApi(program);
registerDoctor(program);
registerDbGrants(program);
registerAccount(program);
registerWorker(program);

await program.parseAsync(process.argv);
