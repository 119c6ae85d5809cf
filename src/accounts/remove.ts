import { sql } from 'drizzle-orm';
import { UsageError } from '../errors.ts';
import { rowsOf, type Db } from '../store/db.ts';

/** What `account remove` does with the account's synced data: exactly one must be chosen. */
export type RemoveMode = 'keep-data' | 'drop-data';

export interface RemovedAccount {
  name: string;
  accountId: string | null;
  mode: RemoveMode;
  /** Rows deleted per table (drop-data), tables with none left out. */
  dropped: Array<{ table: string; rows: number }>;
}

/**
 * Tables the triggers of other tables write (0004: the change feed; 0011/0012: disposition_days): a delete
 * from calls, legs, dispositions … adds feed rows and moves counts, so these are emptied after them.
 */
const TRIGGER_FED = ['call_changes', 'disposition_days'];

/** The table keyed by the RingCentral account id itself rather than an account_id column: emptied last. */
const ACCOUNTS_TABLE = { table: 'accounts', column: 'id' };

/**
 * Passes over the tables until one deletes nothing. With TRIGGER_FED right the second pass finds nothing;
 * should a later migration add a trigger-fed table without listing it, the next pass still empties it, and
 * past this many the drop is rolled back rather than left half done.
 */
const MAX_PASSES = 4;

/**
 * Every table holding the account's rows, in the order they are emptied: each base table of the schema
 * with an `account_id` column (read from information_schema at the time of the drop, so a table added by
 * a later migration is never forgotten), those the triggers feed last, then `accounts` itself.
 */
export async function accountKeyedTables(db: Db): Promise<Array<{ table: string; column: string }>> {
  const rows = rowsOf<{ table: string }>(await db.execute(sql`
    select c.table_name as "table" from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and c.column_name = 'account_id' and t.table_type = 'BASE TABLE'
    order by c.table_name`));
  // managed_accounts is the account itself, not its data: removeManagedAccount deletes its row either way.
  const names = rows.map((r) => r.table).filter((n) => n !== 'managed_accounts');
  const ordered = [...names.filter((n) => !TRIGGER_FED.includes(n)), ...TRIGGER_FED.filter((n) => names.includes(n))];
  return [...ordered.map((table) => ({ table, column: 'account_id' })), ACCOUNTS_TABLE];
}

/** The base tables keyed by a credential's hash (`credential_key`), but for managed_accounts itself. */
export async function credentialKeyedTables(db: Db): Promise<string[]> {
  const rows = rowsOf<{ table: string }>(await db.execute(sql`
    select c.table_name as "table" from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and c.column_name = 'credential_key' and t.table_type = 'BASE TABLE'
      and c.table_name <> 'managed_accounts'
    order by c.table_name`));
  return rows.map((r) => r.table);
}

/**
 * Removes a managed account: its row, its stored session and rate budget (by its credential key), and
 * with `drop-data` every row of its RingCentral account id in every table, all in one transaction: it
 * happens whole or not at all, and readers never see half an account.
 */
export async function removeManagedAccount(db: Db, name: string, mode: RemoveMode): Promise<RemovedAccount> {
  return db.transaction(async (tx) => {
    // Locked, so a second `remove` of the same name waits and then finds nothing.
    const [row] = rowsOf<{ accountId: string | null; credentialKey: string }>(await tx.execute(sql`
      select account_id as "accountId", credential_key as "credentialKey" from managed_accounts where name = ${name} for update`));
    if (!row) throw new UsageError(`no account named "${name}" (callsync account list shows them)`);
    const dropped = mode === 'drop-data' && row.accountId !== null ? await dropAccountRows(tx as unknown as Db, row.accountId) : [];
    // Its stored session (auth_sessions) and whatever else is kept per credential (rate_ledger …): found
    // like the account tables, so a later table of the kind is not forgotten either.
    for (const table of await credentialKeyedTables(tx as unknown as Db)) {
      await tx.execute(sql`delete from ${sql.identifier(table)} where credential_key = ${row.credentialKey}`);
    }
    await tx.execute(sql`delete from managed_accounts where name = ${name}`);
    return { name, accountId: row.accountId, mode, dropped };
  });
}

/** Deletes the account's rows from every account-keyed table, to a fixed point (see MAX_PASSES). Run in a transaction. */
async function dropAccountRows(tx: Db, accountId: string): Promise<Array<{ table: string; rows: number }>> {
  const tables = await accountKeyedTables(tx);
  const counts = new Map<string, number>();
  for (let pass = 1; ; pass++) {
    const deleted: string[] = [];
    for (const { table, column } of tables) {
      const [r] = rowsOf<{ n: number }>(await tx.execute(sql`
        with gone as (delete from ${sql.identifier(table)} where ${sql.identifier(column)} = ${accountId} returning 1)
        select count(*)::int as n from gone`));
      const n = r?.n ?? 0;
      if (n > 0) deleted.push(table);
      counts.set(table, (counts.get(table) ?? 0) + n);
    }
    if (deleted.length === 0) break;
    if (pass === MAX_PASSES) throw new Error(`rows of RingCentral account ${accountId} keep coming back in ${deleted.join(', ')} (a trigger writes them) after ${MAX_PASSES} passes: nothing was dropped`);
  }
  return [...counts].filter(([, rows]) => rows > 0).map(([table, rows]) => ({ table, rows }));
}

/**
 * The choice `account remove` requires, from its two flags: exactly one, else an error saying what each
 * does.
 */
export function removeMode(flags: { keepData?: boolean | undefined; dropData?: boolean | undefined }): RemoveMode {
  if (flags.keepData && flags.dropData) throw new UsageError('--keep-data and --drop-data are both given: choose one');
  if (flags.keepData) return 'keep-data';
  if (flags.dropData) return 'drop-data';
  throw new UsageError(
    'say what happens to the account\'s synced data: --keep-data (the calls, voicemails … stay, readable through the API, and adding the account again resumes its sync) '
      + 'or --drop-data (every row of its RingCentral account id is deleted, in one transaction; this cannot be undone)',
  );
}
