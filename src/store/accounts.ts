import { sql } from 'drizzle-orm';
import { accounts } from '../schema/index.ts';
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
