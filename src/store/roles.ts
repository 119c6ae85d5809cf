import { sql } from 'drizzle-orm';
import { UsageError } from '../errors.ts';
import type { Database } from './db.ts';

/*
 * The two database roles of a least-privilege deployment, and the SQL that grants them.
 * - The sync role runs `migrate`, `sync`, `start`, `worker`, `account` and `api-key`: it creates the schema, so it owns the tables.
 * - The API role runs `serve`: it reads what the GraphQL API and the status page answer from and the schema
 *   version, and may record when an API key was last used. It never reads auth_sessions (RingCentral's
 *   tokens), and of accounts only the id and name (the rest is RingCentral's account record).
 * - An optional BI role (Metabase, Superset, Power BI) reads the views of schema callsync_bi and no table:
 *   the views run with their owner's rights (security_invoker off), so USAGE and SELECT on them suffice.
 *
 * No default privileges: ALTER DEFAULT PRIVILEGES would hand the API role every table a later migration
 * adds, secrets included (auth_sessions is one such table). The API's tables are listed here instead, next
 * to the queries, and `serve` refuses to start when its role cannot read one of them, naming the grants to
 * re-run (src/store/schema-check.ts).
 */

/** Every table of schema public that the API's resolvers, its key lookup and the status page read whole. */
export const API_READ_TABLES = [
  'api_keys', 'call_changes', 'call_dispositions', 'call_legs', 'callbacks', 'calls', 'disposition_days', 'extensions', 'mailboxes',
  'recordings', 'sync_runs', 'sync_state', 'voicemail_links', 'voicemail_transcripts', 'voicemails',
] as const;

/** Tables the API reads only some columns of: the status page names each account (store/status-reads.ts). */
export const API_READ_COLUMNS: Readonly<Record<string, readonly string[]>> = { accounts: ['id', 'name'] };

/** The schema of the reporting views (migrations: bi_views), all a BI role may read. */
export const BI_SCHEMA = 'callsync_bi';

export interface RoleNames {
  /** The role `serve` logs in as (read-only). */
  apiRole: string;
  /** The role `migrate`, `sync` and `start` log in as (owns the schema). */
  syncRole: string;
  /** The database callsync lives in. */
  database: string;
  /**
   * `serve` also serves /media from RingCentral: its role then uses the shared RingCentral session (reads
   * it, and writes it when refreshing). Off by default: the API role then never sees RingCentral's tokens.
   */
  media?: boolean | undefined;
  /** The role BI tools log in as (reads the views of callsync_bi only); none when absent. */
  biRole?: string | undefined;
}

/** The statements, in two parts run by different roles at different times. */
export interface GrantStatements {
  /** Before the first `callsync migrate`, as the database's owner or a superuser. */
  setup: string[];
  /**
   * After `callsync migrate`, as the sync role (the tables' owner) or a superuser; again after an upgrade
   * whose migrations add a table the API reads. One transaction: the API role loses nothing in between.
   */
  tables: string[];
}

/**
 * A name PostgreSQL takes without quoting trouble: a letter or "_", then letters, digits, "_", "$" or "-".
 * It is always written quoted, so it is used exactly as given (case included).
 */
const NAME = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;

/** `name` as a quoted SQL identifier, or a UsageError naming `flag`. */
export function quoteName(flag: string, name: string, kind: 'role' | 'database'): string {
  if (!NAME.test(name)) throw new UsageError(`${flag} must be a ${kind} name of 1-63 characters: a letter or "_", then letters, digits, "_", "$" or "-" (got "${name}")`);
  if (kind === 'role' && (/^pg_/i.test(name) || /^public$/i.test(name))) throw new UsageError(`${flag} cannot be "${name}": PostgreSQL reserves "public" and names starting with "pg_"`);
  return `"${name}"`;
}

/** The GRANT statements for the two roles (names validated and quoted). */
export function grantStatements(names: RoleNames): GrantStatements {
  const api = quoteName('--api-role', names.apiRole, 'role');
  const sync = quoteName('--sync-role', names.syncRole, 'role');
  const database = quoteName('--database', names.database, 'database');
  if (names.apiRole === names.syncRole) throw new UsageError('--api-role and --sync-role must be two different roles: the point is that the API role cannot write');
  const tables = API_READ_TABLES.map((t) => `public.${t}`).join(', ');
  const bi = biGrants(names);
  return {
    setup: [
      // CREATE on the database: the first migration creates the schema "drizzle" (its bookkeeping).
      `GRANT CONNECT, CREATE ON DATABASE ${database} TO ${sync};`,
      `GRANT USAGE, CREATE ON SCHEMA public TO ${sync};`,
      `GRANT CONNECT ON DATABASE ${database} TO ${api};`,
      `GRANT USAGE ON SCHEMA public TO ${api};`,
      ...bi.setup,
    ],
    tables: [
      'BEGIN;',
      // Whatever was granted before (a broader grant, a table the API no longer reads) goes first.
      `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${api};`,
      `GRANT USAGE ON SCHEMA drizzle TO ${api};`,
      `GRANT SELECT ON drizzle.__drizzle_migrations TO ${api};`,
      `GRANT SELECT ON ${tables} TO ${api};`,
      ...Object.entries(API_READ_COLUMNS).map(([table, columns]) => `GRANT SELECT (${columns.join(', ')}) ON public.${table} TO ${api};`),
      // Optional: without it `api-key list` shows no last use, and requests are answered all the same.
      `GRANT UPDATE (last_used_at) ON public.api_keys TO ${api};`,
      // /media fetches with the RingCentral sessions (refreshing them), added accounts' credentials, and
      // the rate budget every process on a credential shares.
      ...(names.media ? [`GRANT SELECT, INSERT, UPDATE ON public.auth_sessions, public.rate_ledger TO ${api};`, `GRANT SELECT ON public.managed_accounts TO ${api};`] : []),
      ...bi.tables,
      'COMMIT;',
    ],
  };
}

/** The BI role's part: CONNECT, then USAGE on the views' schema and SELECT on its views, never a table. */
function biGrants(names: RoleNames): GrantStatements {
  if (names.biRole === undefined) return { setup: [], tables: [] };
  const bi = quoteName('--bi-role', names.biRole, 'role');
  if (names.biRole === names.apiRole || names.biRole === names.syncRole) throw new UsageError('--bi-role must be a role of its own, neither --api-role nor --sync-role: it reads the views and nothing else');
  return {
    setup: [`GRANT CONNECT ON DATABASE ${quoteName('--database', names.database, 'database')} TO ${bi};`],
    tables: [
      `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${bi};`,
      `GRANT USAGE ON SCHEMA ${BI_SCHEMA} TO ${bi};`,
      // The schema holds views only; a view added by a later migration needs this line run again.
      `GRANT SELECT ON ALL TABLES IN SCHEMA ${BI_SCHEMA} TO ${bi};`,
    ],
  };
}

/** The script `callsync db-grants` prints: both parts, each headed by who runs it and when. */
export function renderGrants(names: RoleNames): string {
  const { setup, tables } = grantStatements(names);
  return [
    `-- callsync roles: "${names.syncRole}" syncs and owns the schema, "${names.apiRole}" serves the API read-only${names.biRole ? `, "${names.biRole}" reads the BI views (schema ${BI_SCHEMA})` : ''}.`,
    `-- Create them first (choose the passwords), e.g.: CREATE ROLE "${names.apiRole}" LOGIN PASSWORD '...';`,
    '',
    `-- 1. Before the first \`callsync migrate\`, connected to "${names.database}" as its owner or a superuser:`,
    ...setup,
    '',
    `-- 2. After \`callsync migrate\` (run as "${names.syncRole}"), as "${names.syncRole}" or a superuser.`,
    '--    Again after an upgrade whose migrations add tables the API reads: `callsync serve` says so.',
    ...tables,
    '',
    '-- PUBLIC keeps PostgreSQL\'s defaults (CONNECT and TEMPORARY on the database; before PostgreSQL 15 also',
    '-- CREATE on schema public, which `REVOKE CREATE ON SCHEMA public FROM PUBLIC;` takes back).',
    `-- Tables created earlier by another role: \`REASSIGN OWNED BY old_role TO "${names.syncRole}";\` as a superuser.`,
    '',
  ].join('\n');
}

/**
 * The API tables (and columns, as `table.column`) the current role may not read, or that do not exist:
 * empty when `serve` can answer every query.
 */
export async function unreadableTables(database: Database): Promise<string[]> {
  const columns = Object.entries(API_READ_COLUMNS).flatMap(([table, names]) => names.map((column) => sql`(${table}::text, ${column}::text)`));
  const rows = await database.query<{ name: string }>(sql`
    select name from (
      select t.name from (values ${sql.join(API_READ_TABLES.map((t) => sql`(${t}::text)`), sql`, `)}) as t(name)
      where to_regclass('public.' || quote_ident(t.name)) is null
        or not has_table_privilege(to_regclass('public.' || quote_ident(t.name)), 'SELECT')
      union all
      select c.t || '.' || c.c from (values ${sql.join(columns, sql`, `)}) as c(t, c)
      where to_regclass('public.' || quote_ident(c.t)) is null
        or not has_column_privilege(to_regclass('public.' || quote_ident(c.t)), c.c, 'SELECT')
    ) unreadable order by name`);
  return rows.map((r) => r.name);
}

/**
 * Whether the current role holds `privileges` (e.g. 'SELECT' or 'SELECT, INSERT, UPDATE') on table
 * `public.<table>`; false when the table does not exist. For what `serve` may do beyond reading
 * (`db-grants --media`), decided at start rather than failing on the first request.
 */
export async function mayUseTable(database: Database, table: string, privileges: string): Promise<boolean> {
  const [row] = await database.query<{ ok: boolean | null }>(sql`select has_table_privilege(to_regclass(${`public.${table}`}), ${privileges}) as ok`);
  return row?.ok === true;
}
