import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { registerAccount } from '../../src/cli/commands/account.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { runCommandInProcess, sourceCliArgs, type CliResult } from '../helpers/cli.ts';
import { createEmptyPostgresDatabase, dropPostgresDatabase, testServerUrl } from '../helpers/database.ts';

/**
 * Simulated RingCentral accounts and one database for `callsync account …`: each simulator with secrets
 * of its own (so a test can look for them anywhere), the commands run in this process (or one child for
 * standard input), and the database opened between commands (PGlite's directory takes one process).
 */
export interface AccountsRig {
  sims: Simulator[];
  /** The whole environment of the commands: no RC_*, the database, a CALLSYNC_SECRET_KEY. */
  env: Record<string, string>;
  dir: string;
  /** A file (mode 600) holding `text`. */
  file(text: string): string;
  /** `callsync account <args>` in this process; every output is kept in `outputs`. */
  account(args: string[], extraEnv?: Record<string, string>): Promise<CliResult>;
  /** The same in a child process, `stdin` written to its standard input. */
  spawnAccount(args: string[], stdin: string): Promise<CliResult>;
  /** Every stdout and stderr the commands wrote. */
  outputs: string[];
  withDb<T>(fn: (database: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const newSecretKey = () => randomBytes(32).toString('base64');

export async function startAccountsRig(simOptions: SimulatorOptions[], extraEnv: Record<string, string> = {}): Promise<AccountsRig> {
  const sims: Simulator[] = [];
  for (const options of simOptions) {
    const tag = randomBytes(8).toString('hex');
    sims.push(await startSimulator({ rateLimits: false, clientId: `client-${tag}`, clientSecret: `secret-${tag}`, jwt: `jwt-${tag}`, ...options }));
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'callsync-accounts-'));
  const dbUrl = testServerUrl ? await createEmptyPostgresDatabase() : undefined;
  const env: Record<string, string> = {
    PATH: process.env.PATH!,
    HOME: process.env.HOME ?? '/tmp',
    CALLSYNC_DATA_DIR: dir,
    CALLSYNC_SECRET_KEY: newSecretKey(),
    LOG_LEVEL: 'silent',
    ...extraEnv,
    ...(dbUrl ? { DATABASE_URL: dbUrl } : {}),
  };
  const outputs: string[] = [];
  const keep = (r: CliResult) => (outputs.push(r.stdout, r.stderr), r);
  let files = 0;
  return {
    sims, env, dir, outputs,
    file(text) {
      const at = path.join(dir, `secret-${++files}`);
      writeFileSync(at, text, { mode: 0o600 });
      return at;
    },
    account: async (args, more = {}) => keep(await runCommandInProcess(registerAccount, ['account', ...args], { ...env, ...more })),
    async spawnAccount(args, stdin) {
      const child = spawn(process.execPath, sourceCliArgs(['account', ...args]), { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.stdin.end(stdin);
      const status = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
      return keep({ status, stdout, stderr });
    },
    async withDb(fn) {
      const database = await openDatabase({ url: dbUrl, dataDir: dbUrl ? undefined : path.join(dir, 'pgdata') });
      try {
        await migrate(database);
        return await fn(database);
      } finally {
        await database.close();
      }
    },
    async close() {
      for (const sim of sims) await sim.close();
      rmSync(dir, { recursive: true, force: true });
      if (dbUrl) await dropPostgresDatabase(dbUrl);
    },
  };
}

/** `account add` flags for a simulator, its secrets in files. */
export function addFlags(rig: AccountsRig, sim: Simulator, name: string, overrides: { serverUrl?: string; clientSecret?: string; jwt?: string } = {}): string[] {
  return [
    'add', '--name', name, '--server-url', overrides.serverUrl ?? sim.url, '--client-id', sim.credentials.clientId,
    '--client-secret-file', rig.file(overrides.clientSecret ?? sim.credentials.clientSecret), '--jwt-file', rig.file(`${overrides.jwt ?? sim.credentials.jwt}\n`),
  ];
}

/** Every row of every base table (all schemas), as JSON text per table. */
export async function dumpTables(database: Database): Promise<Record<string, string[]>> {
  const tables = await database.query<{ schema: string; name: string }>(sql`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1, 2`);
  const dump: Record<string, string[]> = {};
  for (const t of tables) {
    const rows = await database.query<{ j: string }>(sql.raw(`select row_to_json(t)::text as j from "${t.schema}"."${t.name}" t`));
    dump[`${t.schema}.${t.name}`] = rows.map((r) => r.j).sort();
  }
  return dump;
}
