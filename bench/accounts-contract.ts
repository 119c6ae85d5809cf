/**
 * ▶ Everything bench:accounts assumes about `callsync worker` is in this file, and nowhere else. ◀
 *
 * How a worker is started (command line and environment) and where its pass log is read. When the worker
 * lands, check WORKER_LAUNCH and WORKER_PASS_LOG against it; nothing else of the bench should need a change.
 * The stand-in (--stand-in, bench/accounts-stand-in.ts) is the bench's own stand-in worker: the same
 * accounts' passes (connectAccount + syncAll), claimed through a table of its own.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type WorkerMode = 'worker' | 'stand-in';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface WorkerSettings {
  databaseUrl: string;
  secretKey: string;
  /** Passes at once per worker; undefined: the worker's default. */
  concurrency: number | undefined;
  /** LINK_WINDOW_MINUTES: how long an unanswered inbound call may still get a voicemail (before it is final). */
  linkWindowMinutes: number;
  dataDir: string;
}

/** The command line and environment of worker `index` (0-based). */
export function workerLaunch(mode: WorkerMode, index: number, s: WorkerSettings): { args: string[]; env: NodeJS.ProcessEnv } {
  const id = `bench-w${index + 1}`;
  const flags = [...(s.concurrency === undefined ? [] : ['--concurrency', String(s.concurrency)]), '--id', id];
  const args = mode === 'worker'
    // ▶ THE place the bench starts real workers: compiled callsync, the heap ceiling of `npm start`.
    ? ['--max-old-space-size=256', path.join(root, 'bin/callsync.js'), 'worker', ...flags]
    : ['--max-old-space-size=256', '--import', 'tsx', path.join(root, 'bench/accounts-stand-in.ts'), ...flags];
  // Nothing of the bench's own environment names an account or a database for the worker by accident.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(RC_|DATABASE_URL|CALLSYNC_|SYNC_|LINK_WINDOW)/.test(k)));
  return {
    args,
    env: {
      ...inherited,
      DATABASE_URL: s.databaseUrl,
      CALLSYNC_SECRET_KEY: s.secretKey,
      CALLSYNC_DATA_DIR: s.dataDir,
      // The accounts carry their own schedule (managed_accounts.schedule); this is only the deployment default.
      SYNC_SCHEDULE: '* * * * *',
      LINK_WINDOW_MINUTES: String(s.linkWindowMinutes),
      LOG_LEVEL: 'warn',
    },
  };
}

/**
 * Every claim of an account by a worker, one row each: account (managed_accounts.name), worker (its --id),
 * claimed_at, ended_at (null while held), outcome ('success' for a pass whose streams all succeeded).
 * ▶ WORKER_PASS_LOG: adjust the table and column names to the worker's pass log when it lands.
 */
export const PASS_LOG: Record<WorkerMode, string> = {
  worker: `select account_name as account, worker_id as worker, claimed_at, ended_at, outcome from account_passes`,
  'stand-in': `select account, worker_id as worker, claimed_at, ended_at, outcome from bench_stand_in_passes`,
};

/** The stand-in's tables (created with the accounts): a lease per account, and its pass log. */
export const STAND_IN_TABLES = `
create table bench_stand_in_claims (account text primary key, due_at timestamptz not null, holder text, lease_until timestamptz);
create table bench_stand_in_passes (id bigserial primary key, account text not null, worker_id text not null,
  claimed_at timestamptz not null, ended_at timestamptz, outcome text);`;
