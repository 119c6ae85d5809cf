import path from 'node:path';
import type { Config } from '../config.ts';
import { openDatabase, type Database } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';

/**
 * Server-side TCP keepalives for a worker's sessions (startup parameters, unless DATABASE_URL sets them):
 * a stream's advisory lock lives as long as the session holding it, and a worker whose machine vanished
 * (no FIN, no RST) would otherwise keep its sessions, and its locks, for the kernel's default of over two
 * hours. With these PostgreSQL drops such a session within about 10 + 3 × 5 s of silence, or 30 s of
 * unacknowledged data (tcp_user_timeout, PostgreSQL 12+) — inside the lease's 30 s, so an account taken
 * over finds its streams free. Local sockets ignore them.
 */
export const KEEPALIVE_PARAMETERS: Readonly<Record<string, string>> = {
  tcp_keepalives_idle: '10',
  tcp_keepalives_interval: '5',
  tcp_keepalives_count: '3',
  tcp_user_timeout: '30000',
};

/** DATABASE_URL with the keepalive parameters it does not set itself (postgres.js sends unknown query parameters as startup parameters). */
export function withKeepalives(url: string): string {
  const u = new URL(url);
  for (const [name, value] of Object.entries(KEEPALIVE_PARAMETERS)) if (!u.searchParams.has(name)) u.searchParams.set(name, value);
  return u.toString();
}

export interface WorkerDatabases {
  /** The sync's statements: a connection per pass for its stream's advisory lock, and some to share. */
  sync: Database;
  /** Claims, renewals and releases, on connections of their own (the same handle on PGlite). */
  control: Database;
  close(): Promise<void>;
}

/** Opens (and migrates) the configured database for a worker running `concurrency` passes at once. */
export async function openWorkerDatabases(config: Config, concurrency: number): Promise<WorkerDatabases> {
  if (!config.databaseUrl) {
    const database = await openDatabase({ dataDir: path.join(config.dataDir, 'pgdata') });
    await migrate(database).catch(async (error: unknown) => {
      await database.close();
      throw error;
    });
    return { sync: database, control: database, close: () => database.close() };
  }
  const url = withKeepalives(config.databaseUrl);
  // A running stream holds a connection for its advisory lock and takes another for each page's
  // transaction: two per pass, and two to spare.
  const sync = await openDatabase({ url, maxConnections: 2 * concurrency + 2 });
  let control: Database | undefined;
  try {
    await migrate(sync);
    // Claims, renewals and rate-ledger reservations: single statements that never hold a connection while
    // waiting for another. Reservations must not come from the sync pool: a session refresh reserves its
    // Auth slot inside a transaction, and passes holding every sync connection would wait on each other.
    control = await openDatabase({ url, maxConnections: 3 });
  } catch (error) {
    await sync.close();
    throw error;
  }
  return { sync, control, close: async () => void (await Promise.all([sync.close(), control.close()])) };
}
