import { count, eq } from 'drizzle-orm';
import type { RingCentralCredentials } from '../config.ts';
import { RingCentralApiError, UsageError } from '../errors.ts';
import { accounts, calls } from '../schema/index.ts';
import type { SecretKeyring } from '../secrets/box.ts';
import { pinUnscopedKeys } from '../store/api-keys.ts';
import type { Db } from '../store/db.ts';
import { ACCOUNT_NAME, findManagedAccount, findManagedAccountBy, insertManagedAccount, type AccountSettings } from '../store/managed-accounts.ts';

export interface AccountToAdd extends AccountSettings {
  name: string;
  credentials: RingCentralCredentials;
  /** The hash naming the credential's stored session (main.ts credentialKey). */
  credentialKey: string;
}

/**
 * Logs in with the credentials and reads the account (GET /account/~), recording it in `accounts` and the
 * session in `auth_sessions` through `db`: main.ts connectAccount, passed in by the command (only cli
 * imports main).
 */
export type VerifyCredentials = (db: Db) => Promise<{ accountId: string }>;

export interface AddedAccount {
  name: string;
  accountId: string;
  companyName: string | null;
  /** Calls of this RingCentral account already in the database (kept by `remove --keep-data`, or synced by RC_*): continued, not read again. */
  callsAlready: number;
  /** API keys made without --account, now pinned to the account that was the database's sole one (`pinnedTo`). */
  pinnedKeys: number;
  pinnedTo: string | undefined;
}

/**
 * Adds a managed account once RingCentral has taken its credentials. Refused, with nothing stored, when
 * the name is taken, when the credentials or their RingCentral account already belong to another name,
 * or when RingCentral refuses them (its error, naming the flags). The check runs in the transaction that
 * stores the account, so what it writes (the session, the `accounts` row, which it may update) is kept
 * only with the account: on success the account's first worker takes the session over instead of
 * logging in again. The transaction lasts one login and one request.
 */
export async function addManagedAccount(db: Db, keyring: SecretKeyring, account: AccountToAdd, verify: VerifyCredentials): Promise<AddedAccount> {
  const { name, credentialKey } = account;
  if (!ACCOUNT_NAME.test(name)) throw new UsageError(`--name must be 1-64 letters, digits, "_", "-" or "." (got "${name}")`);
  const taken = await findManagedAccount(db, name);
  if (taken) throw new UsageError(`an account named "${name}" already exists (RingCentral account ${taken.accountId ?? '?'}): pick another --name, or remove it first (callsync account remove ${name})`);
  const sameCredentials = await findManagedAccountBy(db, { credentialKey });
  if (sameCredentials) {
    throw new UsageError(`these credentials (the same --server-url, --client-id and JWT) are already those of account "${sameCredentials.name}" (RingCentral account ${sameCredentials.accountId ?? '?'}): one name per account`);
  }
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Db;
    const before = await tx.select({ id: accounts.id }).from(accounts);
    const { accountId } = await verify(tx).catch((error: unknown) => Promise.reject(inFlagTerms(error)));
    const other = await findManagedAccountBy(tx, { accountId });
    if (other) {
      throw new UsageError(`RingCentral account ${accountId} is already added as "${other.name}": one name per account (to rename it: callsync account remove ${other.name} --keep-data, then add it again)`);
    }
    await insertManagedAccount(tx, keyring, { ...account, accountId });
    // Keys made without --account read the sole account; with a second one they would be refused, so they
    // keep reading the account they were made for.
    const sole = before.length === 1 && before[0]!.id !== accountId ? before[0]!.id : undefined;
    const pinnedKeys = sole ? await pinUnscopedKeys(tx, sole) : 0;
    const [row] = await tx.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, accountId));
    const [already] = await tx.select({ n: count() }).from(calls).where(eq(calls.accountId, accountId));
    return { name, accountId, companyName: row?.name ?? null, callsAlready: already?.n ?? 0, pinnedKeys, pinnedTo: sole };
  });
}

/** The environment variables RingCentral's login errors name (ringcentral/client.ts), and the flags of `account add` that stand for them. */
const FLAG_OF: ReadonlyArray<[RegExp, string]> = [
  [/\bRC_SERVER_URL\b/g, '--server-url'],
  [/\bRC_CLIENT_ID\b/g, '--client-id'],
  [/\bRC_CLIENT_SECRET\b/g, '--client-secret-file'],
  [/\bset RC_JWT\b/g, 'give it with --jwt-file'],
  [/\bRC_JWT\b/g, 'the JWT of --jwt-file'],
];

/**
 * The login's error as `account add` should say it: the same line (RingCentral's status, errorCode and
 * advice), naming the flags instead of the variables a start-up configures. Other errors pass unchanged.
 */
export function inFlagTerms(error: unknown): unknown {
  if (!(error instanceof RingCentralApiError) || !/\bRC_[A-Z_]+\b/.test(error.message)) return error;
  const message = FLAG_OF.reduce((text, [variable, flag]) => text.replace(variable, flag), error.message);
  return new RingCentralApiError(message, error.details, { cause: error.cause });
}
