import { eq, sql } from 'drizzle-orm';
import { accounts, authSessions } from '../schema/index.ts';
import type { Db } from './db.ts';

/** Records the account (from GET /account/~) the credentials belong to. */
export async function upsertAccount(db: Db, account: { id: string; serverUrl: string; name: string | null; mainNumber: string | null; raw: unknown }) {
  await db
    .insert(accounts)
    .values(account)
    .onConflictDoUpdate({ target: accounts.id, set: { serverUrl: account.serverUrl, name: account.name, mainNumber: account.mainNumber, raw: account.raw, updatedAt: sql`now()` } });
}

export async function listAccounts(db: Db) {
  return db.select().from(accounts).orderBy(accounts.id);
}

/** Saved SDK auth data for a credential key. */
export async function loadAuthSession(db: Db, credentialKey: string): Promise<Record<string, string>> {
  const [row] = await db.select().from(authSessions).where(eq(authSessions.credentialKey, credentialKey));
  return { ...(row?.data ?? {}) };
}

export async function saveAuthSession(db: Db, credentialKey: string, data: Record<string, string>): Promise<void> {
  await db
    .insert(authSessions)
    .values({ credentialKey, data })
    .onConflictDoUpdate({ target: authSessions.credentialKey, set: { data, updatedAt: sql`now()` } });
}
