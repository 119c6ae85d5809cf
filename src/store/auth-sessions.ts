import { sql } from 'drizzle-orm';
import { loadAuthSession, saveAuthSession } from './accounts.ts';
import type { Database, Db } from './db.ts';

/** The stored RingCentral session of one credential, read and written while its lock is held. */
export interface LockedAuthSession {
  read(): Promise<Record<string, string>>;
  write(data: Record<string, string>): Promise<void>;
}

/** Per database handle: the tail of each lock key's queue of waiting callers in this process. */
const queues = new WeakMap<Database, Map<string, Promise<void>>>();

/**
 * The credential's session in `auth_sessions`, shared by every process on the database (the client's
 * SharedSession). `withLock` serialises login and refresh:
 * - within this process, callers of one key (several clients on one database handle) go in turn;
 * - on Postgres, across processes too, with a transaction-scoped advisory lock that waits rather than
 *   fails (withAdvisoryLock is a try-lock for streams, where waiting would be wrong). The transaction holds
 *   one connection for the token request's duration; reads and writes go through it, and it commits even
 *   when `fn` throws, since a session already written must not be rolled back (its predecessor is dead).
 *   A crashed holder's lock goes with its connection;
 * - on PGlite, which one process owns, the in-process queue is the whole lock: no transaction is held
 *   across the HTTP request, as that would stall every other query on its single connection.
 */
export function sharedAuthSession(database: Database, credentialKey: string) {
  const lockKey = `callsync:auth:${credentialKey}`;
  return {
    withLock<T>(fn: (session: LockedAuthSession) => Promise<T>): Promise<T> {
      return inTurn(database, lockKey, () =>
        database.kind === 'postgres' ? lockedTransaction(database.db, lockKey, credentialKey, fn) : fn(sessionOf(database.db, credentialKey)),
      );
    },
  };
}

function sessionOf(db: Db, credentialKey: string): LockedAuthSession {
  return {
    read: () => loadAuthSession(db, credentialKey),
    write: (data) => saveAuthSession(db, credentialKey, data),
  };
}

async function lockedTransaction<T>(db: Db, lockKey: string, credentialKey: string, fn: (session: LockedAuthSession) => Promise<T>): Promise<T> {
  let failure: { error: unknown } | undefined;
  const result = await db.transaction(async (tx) => {
    // The wait may outlast a configured timeout: the holder can be waiting out a 429's Retry-After.
    await tx.execute(sql`select set_config('statement_timeout', '0', true), set_config('lock_timeout', '0', true),
      set_config('idle_in_transaction_session_timeout', '0', true)`);
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`);
    try {
      return await fn(sessionOf(tx as unknown as Db, credentialKey));
    } catch (error) {
      failure = { error };
      return undefined;
    }
  });
  if (failure) throw failure.error;
  return result as T;
}

/** Runs `fn` after every earlier caller of `key` on this database handle has finished. */
function inTurn<T>(database: Database, key: string, fn: () => Promise<T>): Promise<T> {
  let byKey = queues.get(database);
  if (!byKey) queues.set(database, (byKey = new Map()));
  const run = (byKey.get(key) ?? Promise.resolve()).then(fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  byKey.set(key, tail);
  void tail.then(() => {
    if (byKey.get(key) === tail) byKey.delete(key);
  });
  return run;
}
