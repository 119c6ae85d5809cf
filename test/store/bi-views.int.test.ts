import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresCodeOf } from '../../src/errors.ts';
import { syncAll } from '../../src/main.ts';
import { upsertCallPage } from '../../src/store/calls.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { writeDispositions } from '../../src/store/derived.ts';
import { migrate } from '../../src/store/migrate.ts';
import { BI_SCHEMA, grantStatements } from '../../src/store/roles.ts';
import { entries, makeCallRecord } from '../builders.ts';
import { createEmptyPostgresDatabase, databaseKind, dropPostgresDatabase, testServerUrl } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

/*
 * The reporting views of schema callsync_bi are a contract with dashboards: these columns, each commented,
 * selectable after every migration (a later migration that breaks one fails here), agreeing with the data
 * they summarise; and a BI role that reads them and nothing else.
 */

/** The views and their columns, in order. Changing this list breaks dashboards: append only. */
const CONTRACT: Record<string, string[]> = {
  calls: [
    'account_id', 'call_id', 'session_id', 'telephony_session_id', 'start_time', 'end_time', 'start_day', 'direction', 'type', 'action',
    'result', 'reason', 'duration_seconds', 'from_number', 'from_name', 'from_extension_id', 'to_number', 'to_name', 'to_extension_id',
    'disposition', 'disposition_reason', 'disposition_final', 'extension_id', 'extension_number', 'extension_name', 'ring_seconds',
    'talk_seconds', 'voicemail_id', 'voicemail_link_method', 'recording_id', 'recording_type', 'callback_call_id',
    'callback_seconds_after_end', 'last_modified_time', 'updated_at',
  ],
  daily_dispositions: ['day', 'account_id', 'extension_id', 'extension_number', 'extension_name', 'direction', 'disposition', 'calls', 'total_duration_seconds'],
  voicemails: [
    'account_id', 'voicemail_id', 'mailbox_extension_id', 'mailbox_extension_number', 'mailbox_extension_name', 'creation_time',
    'creation_day', 'from_number', 'from_name', 'to_number', 'duration_seconds', 'read_status', 'transcription_status', 'availability',
    'readable', 'call_id', 'link_method', 'link_confidence', 'seconds_after_call_start', 'unlinked_reason', 'last_modified_time', 'updated_at',
  ],
};

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return postgresCodeOf(error) ?? String(error);
  }
}

const count = async (database: Database, query: ReturnType<typeof sql>) => Number((await database.query<{ n: number }>(query))[0]!.n);

describe(`the BI views after every migration (${databaseKind})`, () => {
  let harness: Harness;
  const db = () => harness.testDb.database;

  beforeAll(async () => {
    harness = await startHarness({ seed: 12, history: history(300, 2) }, { SYNC_BACKFILL_DAYS: '3' });
    for (const r of await syncAll(await harness.app())) expect(r.error, r.stream).toBeUndefined();
  });

  afterAll(() => harness?.close());

  it('are exactly the views and columns of the contract, each view and column with a comment', async () => {
    const columns = await db().query<{ view: string; column: string; comment: string | null }>(sql`
      select c.relname as view, a.attname as column, col_description(c.oid, a.attnum) as comment
      from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid
      where n.nspname = ${BI_SCHEMA} and a.attnum > 0 and not a.attisdropped order by c.relname, a.attnum`);
    const found: Record<string, string[]> = {};
    for (const c of columns) (found[c.view] ??= []).push(c.column);
    expect(found).toEqual(CONTRACT);
    expect(columns.filter((c) => !c.comment?.trim()).map((c) => `${c.view}.${c.column}`)).toEqual([]);
    const relations = await db().query<{ name: string; kind: string; comment: string | null; options: string[] | null }>(sql`
      select c.relname as name, c.relkind::text as kind, obj_description(c.oid, 'pg_class') as comment, c.reloptions as options
      from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${BI_SCHEMA} order by 1`);
    // Views only, so `GRANT SELECT ON ALL TABLES IN SCHEMA` hands out nothing else; owner's rights (no security_invoker).
    expect(relations.map((r) => [r.name, r.kind, Boolean(r.comment?.trim()), r.options])).toEqual(Object.keys(CONTRACT).map((name) => [name, 'v', true, null]));
  });

  it('every view selects without error and has rows of the synced account', async () => {
    for (const view of Object.keys(CONTRACT)) {
      expect(await count(db(), sql`select count(*)::int as n from ${sql.raw(`${BI_SCHEMA}.${view}`)}`), view).toBeGreaterThan(0);
    }
  });

  it('a role granted what db-grants prints reads the views and is refused the tables (SET ROLE, on both databases)', async () => {
    // PGlite 18 checks privileges after SET ROLE as PostgreSQL does, so the grants are verified here too.
    const role = `callsync_bi_${randomBytes(4).toString('hex')}`;
    const { tables } = grantStatements({ apiRole: 'unused_api', syncRole: 'unused_sync', biRole: role, database: 'unused' });
    const asRole = (statement: string) => outcome(() => db().db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local role ${role}`));
      await tx.execute(sql.raw(statement));
    }));
    await db().query(sql.raw(`create role ${role}`));
    try {
      for (const statement of tables.filter((t) => t.includes(role))) await db().query(sql.raw(statement));
      for (const view of Object.keys(CONTRACT)) expect(await asRole(`select * from ${BI_SCHEMA}.${view}`), view).toBe('ok');
      for (const table of ['auth_sessions', 'api_keys', 'calls']) expect(await asRole(`select * from public.${table}`), table).toBe('42501');
    } finally {
      await db().query(sql.raw(`drop owned by ${role}`));
      await db().query(sql.raw(`drop role ${role}`));
    }
  });

  it('agree with the tables: one row per live call and per voicemail, daily counts summing to the calls', async () => {
    const live = await count(db(), sql`select count(*)::int as n from calls where not deleted`);
    expect(await count(db(), sql`select count(*)::int as n from callsync_bi.calls`)).toBe(live);
    expect(await count(db(), sql`select count(*)::int as n from voicemails`)).toBe(await count(db(), sql`select count(*)::int as n from callsync_bi.voicemails`));
    const byCalls = await db().query(sql`
      select start_day::text as day, account_id, extension_id, direction, disposition, count(*)::int as calls,
        coalesce(sum(duration_seconds), 0)::bigint::text as seconds
      from callsync_bi.calls group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5`);
    const daily = await db().query(sql`
      select day::text as day, account_id, extension_id, direction, disposition, calls, total_duration_seconds::text as seconds
      from callsync_bi.daily_dispositions order by 1, 2, 3, 4, 5`);
    expect(daily).toEqual(byCalls);
    // The links go both ways (a voicemail may name a call RingCentral deleted since: not in the calls view).
    const callsMissingTheirVoicemail = await count(db(), sql`
      select count(*)::int as n from callsync_bi.calls c left join callsync_bi.voicemails v on v.account_id = c.account_id and v.voicemail_id = c.voicemail_id
      where c.voicemail_id is not null and v.call_id is distinct from c.call_id`);
    const voicemailsMissingTheirCall = await count(db(), sql`
      select count(*)::int as n from callsync_bi.voicemails v join calls t on t.account_id = v.account_id and t.id = v.call_id and not t.deleted
      left join callsync_bi.calls c on c.account_id = v.account_id and c.call_id = v.call_id
      where c.voicemail_id is distinct from v.voicemail_id`);
    expect([callsMissingTheirVoicemail, voicemailsMissingTheirCall]).toEqual([0, 0]);
    for (const column of ['voicemail_id', 'recording_id', 'callback_call_id', 'extension_name']) {
      expect(await count(db(), sql`select count(${sql.raw(column)})::int as n from callsync_bi.calls`), column).toBeGreaterThan(0);
    }
  });
});

const SKIP_REASON = 'roles and GRANTs need a PostgreSQL server (set TEST_DATABASE_URL); embedded PGlite is one superuser session';

/** `url` logging in as `role` (the test server trusts local connections: no password). */
const as = (url: string, role: string) => Object.assign(new URL(url), { username: role, password: '' }).toString();


describe.skipIf(!testServerUrl)(`the BI role (${testServerUrl ? 'PostgreSQL' : `skipped: ${SKIP_REASON}`})`, () => {
  const suffix = randomBytes(4).toString('hex');
  const [apiRole, syncRole, biRole] = ['api', 'sync', 'bi'].map((r) => `callsync_${r}_${suffix}`) as [string, string, string];
  let url: string;
  let owner: Database;
  let asBi: postgres.Sql;
  const notices: string[] = [];

  beforeAll(async () => {
    url = await createEmptyPostgresDatabase();
    const superuser = postgres(testServerUrl!, { max: 1, onnotice: () => {} });
    await superuser.unsafe(`create role ${apiRole} login; create role ${syncRole} login; create role ${biRole} login`).simple();
    await superuser.end();
    const grants = grantStatements({ apiRole, syncRole, biRole, database: new URL(url).pathname.slice(1) });
    const onnotice = (n: { message?: string }) => void notices.push(String(n.message));
    const admin = postgres(url, { max: 1, onnotice });
    await admin.unsafe(grants.setup.join('\n')).simple();
    await admin.end();
    // The sync role migrates, so it owns the tables and the views, and writes a call with its disposition.
    owner = await openDatabase({ url: as(url, syncRole) });
    await migrate(owner);
    await owner.db.transaction(async (tx) => {
      await upsertCallPage(tx, '37439510', entries(makeCallRecord({ id: 'BI1' })));
      await writeDispositions(tx, '37439510', [{ callId: 'BI1', disposition: 'ANSWERED', reason: 'r', ruleId: 'r', extensionId: '101', ringSeconds: 3, talkSeconds: 97, final: true, pendingReason: null, ruleVersion: 't' }]);
    });
    await owner.query(sql`insert into api_keys (name, key_hash, prefix) values ('k', 'hash', 'cs_')`);
    await owner.query(sql`insert into auth_sessions (credential_key, sealed) values ('k', 'sealed')`);
    const asSync = postgres(as(url, syncRole), { max: 1, onnotice });
    await asSync.unsafe(grants.tables.join('\n')).simple();
    await asSync.end();
    asBi = postgres(as(url, biRole), { max: 1, onnotice: () => {} });
  });

  afterAll(async () => {
    await asBi?.end();
    await owner?.close();
    if (url) await dropPostgresDatabase(url);
    const superuser = postgres(testServerUrl!, { max: 1, onnotice: () => {} });
    await superuser.unsafe(`drop role if exists ${apiRole}; drop role if exists ${syncRole}; drop role if exists ${biRole}`).simple();
    await superuser.end();
  });

  it('every grant takes effect (no notice such as "no privileges were granted")', () => {
    expect(notices).toEqual([]);
  });

  it('reads every view, with USAGE on the schema and SELECT on the views only', async () => {
    for (const view of Object.keys(CONTRACT)) {
      expect(await outcome(() => asBi.unsafe(`select * from ${BI_SCHEMA}.${view}`)), view).toBe('ok');
    }
    expect(await asBi`select call_id, disposition, extension_id from callsync_bi.calls`).toEqual([{ call_id: 'BI1', disposition: 'ANSWERED', extension_id: '101' }]);
    expect(await asBi`select disposition, calls from callsync_bi.daily_dispositions`).toEqual([{ disposition: 'ANSWERED', calls: 1 }]);
  });

  it('gets 42501 on the RingCentral session table, the API keys and every table, and cannot write', async () => {
    expect(await count(owner, sql`select count(*)::int as n from auth_sessions`)).toBe(1);
    for (const table of ['auth_sessions', 'api_keys', 'accounts', 'calls', 'call_dispositions', 'disposition_days', 'voicemails']) {
      expect(await outcome(() => asBi.unsafe(`select * from public.${table} limit 1`)), table).toBe('42501');
    }
    expect(await outcome(() => asBi`select * from drizzle.__drizzle_migrations`)).toBe('42501');
    // The views are not updatable anyway (joins); the role holds no write privilege on them either.
    const writable = await asBi`select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${BI_SCHEMA} and has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')`;
    expect(writable).toEqual([]);
    expect(await outcome(() => asBi`create view callsync_bi.mine as select 1`)).toBe('42501');
    expect(await outcome(() => asBi`create table public.mine (i int)`)).toBe('42501');
  });
});
