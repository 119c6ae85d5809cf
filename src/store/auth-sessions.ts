import { eq, sql } from 'drizzle-orm';
import type { Logger } from '../logger.ts';
import { authSessions } from '../schema/index.ts';
import type { Database, Db } from './db.ts';
import { open, seal, type SecretKeyring } from '../secrets/box.ts';

type AuthData = Record<string, string>;

/**
 * A stored session as read back: its auth data, or why it does not open (a key no longer configured, an
 * altered row). One that does not open counts as no session: the client logs in and overwrites it.
 */
export type OpenedAuthSession = { credentialKey: string; updatedAt: Date } & (
  | { opened: true; data: AuthData; keyId: string; /** Sealed with the first key (else re-sealed at the next write). */ current: boolean }
  | { opened: false; reason: 'malformed' | 'unknown-key' | 'rejected'; keyId: string | undefined }
);

/** The sealed value is bound to its row: copied to another credential's row, it does not open. */
const contextOf = (credentialKey: string) => `auth_sessions:${credentialKey}`;

function openRow(row: typeof authSessions.$inferSelect, keyring: SecretKeyring): OpenedAuthSession {
  const { credentialKey, updatedAt } = row;
  const opened = open(keyring, row.sealed, contextOf(credentialKey));
  if (!opened.ok) return { credentialKey, updatedAt, opened: false, reason: opened.reason, keyId: opened.keyId };
  const data = authData(opened.plaintext);
  if (!data) return { credentialKey, updatedAt, opened: false, reason: 'malformed', keyId: opened.keyId };
  return { credentialKey, updatedAt, opened: true, data, keyId: opened.keyId, current: opened.current };
}

function authData(plaintext: string): AuthData | undefined {
  try {
    const parsed: unknown = JSON.parse(plaintext);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    return Object.values(parsed).every((v) => typeof v === 'string') ? (parsed as AuthData) : undefined;
  } catch {
    return undefined;
  }
}

/** The credential's stored session, opened; undefined when none is stored. */
export async function readAuthSession(db: Db, credentialKey: string, keyring: SecretKeyring): Promise<OpenedAuthSession | undefined> {
  const [row] = await db.select().from(authSessions).where(eq(authSessions.credentialKey, credentialKey));
  return row ? openRow(row, keyring) : undefined;
}

/** Every stored session (all credentials), opened where the keyring can. */
export async function listAuthSessions(db: Db, keyring: SecretKeyring): Promise<OpenedAuthSession[]> {
  const rows = await db.select().from(authSessions).orderBy(authSessions.credentialKey);
  return rows.map((row) => openRow(row, keyring));
}

/** The SDK auth data stored for a credential; empty when there is none or it does not open. */
export async function loadAuthSession(db: Db, credentialKey: string, keyring: SecretKeyring): Promise<AuthData> {
  const stored = await readAuthSession(db, credentialKey, keyring);
  return stored?.opened ? { ...stored.data } : {};
}

/** Stores the credential's session sealed with the keyring's first key (so older keys' seals are replaced). */
export async function saveAuthSession(db: Db, credentialKey: string, data: AuthData, keyring: SecretKeyring): Promise<void> {
  const sealed = seal(keyring, JSON.stringify(data), contextOf(credentialKey));
  await db
    .insert(authSessions)
    .values({ credentialKey, sealed })
    .onConflictDoUpdate({ target: authSessions.credentialKey, set: { sealed, updatedAt: sql`now()` } });
}

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
 * The session is sealed with `keyring` on the way in and opened on the way out; one that does not open
 * reads as none (with a warning), so the client logs in and overwrites it: never a crash, never a loop.
 */
export function sharedAuthSession(database: Database, credentialKey: string, sealing: { keyring: SecretKeyring; logger: Logger }) {
  const lockKey = `callsync:auth:${credentialKey}`;
  const { keyring, logger } = sealing;
  let warned: string | undefined;
  const sessionOf = (db: Db): LockedAuthSession => ({
    async read() {
      const stored = await readAuthSession(db, credentialKey, keyring);
      if (!stored) return {};
      if (stored.opened) return { ...stored.data };
      // Once per stored value: the login that follows overwrites it, so a repeat means another process
      // with other keys keeps writing it.
      const seen = `${stored.keyId}@${stored.updatedAt.getTime()}`;
      if (warned !== seen) {
        warned = seen;
        logger.warn({ reason: stored.reason, keyId: stored.keyId }, unreadableMessage(stored.reason, keyring.source));
      }
      return {};
    },
    write: (data) => saveAuthSession(db, credentialKey, data, keyring),
  });
  return {
    withLock<T>(fn: (session: LockedAuthSession) => Promise<T>): Promise<T> {
      return inTurn(database, lockKey, () =>
        database.kind === 'postgres' ? lockedTransaction(database.db, lockKey, (tx) => fn(sessionOf(tx))) : fn(sessionOf(database.db)),
      );
    },
  };
}

function unreadableMessage(reason: 'malformed' | 'unknown-key' | 'rejected', source: string): string {
  const why = reason === 'unknown-key'
    ? `was sealed with a key that is not configured (${source}): every process on this database needs the same CALLSYNC_SECRET_KEY, and after changing it the old key listed after the new one until the session is refreshed`
    : `does not open with ${source}: the row was altered or copied from another credential's`;
  return `the stored RingCentral session ${why}; treating it as none: a JWT login (unless this process holds a live session) replaces it`;
}

async function lockedTransaction<T>(db: Db, lockKey: string, fn: (tx: Db) => Promise<T>): Promise<T> {
  let failure: { error: unknown } | undefined;
  const result = await db.transaction(async (tx) => {
    // The wait may outlast a configured timeout: the holder can be waiting out a 429's Retry-After.
    await tx.execute(sql`select set_config('statement_timeout', '0', true), set_config('lock_timeout', '0', true),
      set_config('idle_in_transaction_session_timeout', '0', true)`);
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`);
    try {
      return await fn(tx as unknown as Db);
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
