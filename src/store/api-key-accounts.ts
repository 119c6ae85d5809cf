import { sql } from 'drizzle-orm';
import { UsageError } from '../errors.ts';
import { rowsOf, type Db } from './db.ts';

/*
 * The accounts `callsync api-key create --account NAME` names. NAME is a managed account's name
 * (`callsync account add --name`), else a RingCentral account id synced into the database (accounts.id),
 * e.g. the environment-configured account's. Runs as the sync role: the API role never reads
 * managed_accounts.
 */

/** Every account a key could be scoped to: synced ones and managed ones (learned when added, maybe not synced yet). */
export interface KnownAccount {
  id: string;
  /** The managed account's name; null for an account configured by environment. */
  name: string | null;
}

export async function knownAccounts(db: Db): Promise<KnownAccount[]> {
  return rowsOf<KnownAccount>(await db.execute(sql`
    select coalesce(m.account_id, a.id) as id, m.name
    from accounts a full join (select name, account_id from managed_accounts where account_id is not null) m on m.account_id = a.id
    order by m.name nulls last, 1`));
}

const describe = (known: readonly KnownAccount[]) => known.map((a) => (a.name ? `${a.name} (${a.id})` : a.id)).join(', ');

/**
 * The account ids the `--account` values name (deduplicated), or null for none given — allowed only while the
 * database holds at most one account: the key then reads that one (store/api-keys.ts ApiKeyAccess).
 */
export async function resolveKeyAccounts(db: Db, names: readonly string[]): Promise<string[] | null> {
  const known = await knownAccounts(db);
  if (names.length === 0) {
    if (known.length < 2) return null;
    throw new UsageError(`this database holds ${known.length} accounts (${describe(known)}): say which the key may read with --account NAME (repeatable), e.g. --account ${known[0]!.name ?? known[0]!.id}`);
  }
  const ids = new Set<string>();
  for (const name of names) {
    const account = known.find((a) => a.name === name) ?? known.find((a) => a.id === name);
    if (!account) {
      const choices = known.length ? `known accounts: ${describe(known)}` : 'no account is synced or added yet: run `callsync sync`, or `callsync account add`, first';
      throw new UsageError(`--account "${name}" is neither an added account's name nor a synced account's id (${choices})`);
    }
    ids.add(account.id);
  }
  return [...ids].sort();
}

/** "acme (37439004), 12345": a key's scope as `api-key list` shows it. */
export function describeScope(accountIds: readonly string[] | null, known: readonly KnownAccount[]): string {
  if (accountIds === null) return 'the sole account (no --account; refused once the database holds two)';
  return accountIds.map((id) => {
    const name = known.find((a) => a.id === id)?.name;
    return name ? `${name} (${id})` : id;
  }).join(', ');
}
