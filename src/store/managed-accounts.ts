import { eq, sql } from 'drizzle-orm';
import type { RingCentralCredentials } from '../config.ts';
import { UsageError } from '../errors.ts';
import { accounts, managedAccounts } from '../schema/index.ts';
import { open, seal, type SecretKeyring } from '../secrets/box.ts';
import type { Db } from './db.ts';

/** callsync's name for an account: what `--account NAME` and `account remove NAME` take. */
export const ACCOUNT_NAME = /^[\w.-]{1,64}$/;

/** Per-account settings; undefined takes the deployment's default. */
export interface AccountSettings {
  schedule?: string | undefined;
  backfillDays?: number | undefined;
  sweepHours?: number | undefined;
}

/** A managed account as listed: never its secrets. */
export interface ManagedAccount extends AccountSettings {
  name: string;
  accountId: string | null;
  serverUrl: string;
  clientId: string;
  credentialKey: string;
  createdAt: Date;
}

/** The sealed value is bound to its row: copied to another account's row, it does not open. */
const contextOf = (name: string) => `managed_accounts:${name}`;

export interface NewManagedAccount extends AccountSettings {
  name: string;
  accountId: string | null;
  credentials: RingCentralCredentials;
  credentialKey: string;
}

/** Stores an account with its client secret and JWT sealed by the keyring's first key. */
export async function insertManagedAccount(db: Db, keyring: SecretKeyring, account: NewManagedAccount): Promise<void> {
  if (!ACCOUNT_NAME.test(account.name)) throw new UsageError(`--name must be 1-64 letters, digits, "_", "-" or "." (got "${account.name}")`);
  const { clientSecret, jwt, serverUrl, clientId } = account.credentials;
  const sealedCredentials = seal(keyring, JSON.stringify({ clientSecret, jwt }), contextOf(account.name));
  const inserted = await db
    .insert(managedAccounts)
    .values({
      name: account.name, accountId: account.accountId, serverUrl, clientId, sealedCredentials, credentialKey: account.credentialKey,
      schedule: account.schedule ?? null, backfillDays: account.backfillDays ?? null, sweepHours: account.sweepHours ?? null,
    })
    .onConflictDoNothing()
    .returning({ name: managedAccounts.name });
  if (inserted.length === 0) throw new UsageError(`an account named "${account.name}" (or with RingCentral account id ${account.accountId}) already exists: remove it first, or pick another name`);
}

const listed = {
  name: managedAccounts.name, accountId: managedAccounts.accountId, serverUrl: managedAccounts.serverUrl, clientId: managedAccounts.clientId,
  credentialKey: managedAccounts.credentialKey, schedule: managedAccounts.schedule, backfillDays: managedAccounts.backfillDays,
  sweepHours: managedAccounts.sweepHours, createdAt: managedAccounts.createdAt,
};

const settingsOf = <T extends { schedule: string | null; backfillDays: number | null; sweepHours: number | null }>(row: T) => ({
  ...row, schedule: row.schedule ?? undefined, backfillDays: row.backfillDays ?? undefined, sweepHours: row.sweepHours ?? undefined,
});

export async function listManagedAccounts(db: Db): Promise<ManagedAccount[]> {
  return (await db.select(listed).from(managedAccounts).orderBy(managedAccounts.name)).map(settingsOf);
}

/** A managed account with its company's name, as GET /account/~ gave it (`accounts.name`). */
export interface ManagedAccountWithCompany extends ManagedAccount {
  companyName: string | null;
}

/** Every managed account, by name, with its company's name. */
export async function listManagedAccountsWithCompany(db: Db): Promise<ManagedAccountWithCompany[]> {
  const rows = await db
    .select({ ...listed, companyName: accounts.name })
    .from(managedAccounts)
    .leftJoin(accounts, eq(accounts.id, managedAccounts.accountId))
    .orderBy(managedAccounts.name);
  return rows.map(settingsOf);
}

export async function findManagedAccount(db: Db, name: string): Promise<ManagedAccount | undefined> {
  const [row] = await db.select(listed).from(managedAccounts).where(eq(managedAccounts.name, name));
  return row ? settingsOf(row) : undefined;
}

/** The managed account of a RingCentral account id, or of a credential (its credential key). */
export async function findManagedAccountBy(db: Db, by: { accountId: string } | { credentialKey: string }): Promise<ManagedAccount | undefined> {
  const where = 'accountId' in by ? eq(managedAccounts.accountId, by.accountId) : eq(managedAccounts.credentialKey, by.credentialKey);
  const [row] = await db.select(listed).from(managedAccounts).where(where).limit(1);
  return row ? settingsOf(row) : undefined;
}

/**
 * Changes an account's settings: a value sets its own, null gives it back to the deployment's default,
 * undefined leaves it. false when there is no such account.
 */
export async function updateManagedAccountSettings(db: Db, name: string, change: { schedule?: string | null; backfillDays?: number | null; sweepHours?: number | null }): Promise<boolean> {
  const updated = await db
    .update(managedAccounts)
    .set({ ...change, updatedAt: sql`now()` })
    .where(eq(managedAccounts.name, name))
    .returning({ name: managedAccounts.name });
  return updated.length > 0;
}

/**
 * The account's credentials, opened with the keyring. A row that does not open (its key is no longer
 * configured, or the row was altered) is an error naming the fix: nothing can sync it until then.
 */
export async function openManagedAccount(db: Db, keyring: SecretKeyring, name: string): Promise<{ account: ManagedAccount; credentials: RingCentralCredentials }> {
  const [row] = await db.select({ ...listed, sealedCredentials: managedAccounts.sealedCredentials }).from(managedAccounts).where(eq(managedAccounts.name, name));
  if (!row) throw new UsageError(`no account named "${name}" (callsync account list shows them)`);
  const opened = open(keyring, row.sealedCredentials, contextOf(name));
  const secrets = opened.ok ? parseSecrets(opened.plaintext) : undefined;
  if (!secrets) {
    const why = opened.ok ? 'its sealed value is malformed' : opened.reason === 'unknown-key' ? `it is sealed with key ${opened.keyId}, which ${keyring.source} does not hold` : 'it does not open (altered, or sealed with another key of the same id)';
    throw new UsageError(`the credentials of account "${name}" cannot be opened: ${why}; set CALLSYNC_SECRET_KEY to the key(s) they were added with, or add the account again`);
  }
  const { sealedCredentials: _, ...account } = row;
  return { account: settingsOf(account), credentials: { serverUrl: row.serverUrl, clientId: row.clientId, ...secrets } };
}

function parseSecrets(plaintext: string): { clientSecret: string; jwt: string } | undefined {
  try {
    const parsed = JSON.parse(plaintext) as Record<string, unknown>;
    return typeof parsed.clientSecret === 'string' && typeof parsed.jwt === 'string' ? { clientSecret: parsed.clientSecret, jwt: parsed.jwt } : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes the account's row (its synced data stays unless the caller drops it too); false when there is none. */
export async function deleteManagedAccount(db: Db, name: string): Promise<boolean> {
  return (await db.delete(managedAccounts).where(eq(managedAccounts.name, name)).returning({ name: managedAccounts.name })).length > 0;
}
