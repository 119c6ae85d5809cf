import { sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { createApp, syncAll, type App } from '../../src/main.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import type { Database } from '../../src/store/db.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { FAST_RETRY, history, simulatorEnv } from './harness.ts';

/*
 * Several RingCentral accounts synced into one database, each from a simulator of its own, as a
 * multi-account deployment has them: the rig of the tenancy tests.
 */

export interface Tenant {
  sim: Simulator;
  app: App;
  accountId: string;
}

export interface TenancyRig {
  testDb: TestDatabase;
  database: Database;
  /** Syncs one more account into the database (a pass over every stream). */
  add(options: SimulatorOptions): Promise<Tenant>;
  close(): Promise<void>;
}

/** A history that ended half an hour ago: whether a call is final cannot change during the test. */
export const SETTLED = (calls: number) => history(calls, 2, 30 * 60_000);

export async function startTenancyRig(): Promise<TenancyRig> {
  const testDb = await createTestDatabase();
  const tenants: Tenant[] = [];
  return {
    testDb,
    database: testDb.database,
    async add(options) {
      const sim = await startSimulator({ rateLimits: false, ...options });
      const config = loadConfig({ ...simulatorEnv(sim), SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '100', LOG_LEVEL: 'silent', ...(testDb.url ? { DATABASE_URL: testDb.url } : {}) });
      const app = await createApp(config, { logger: silentLogger, retry: FAST_RETRY, database: testDb.database });
      const results = await syncAll(app);
      const failed = results.filter((r) => r.outcome !== 'success');
      if (failed.length) throw new Error(`sync of account ${app.accountId} failed: ${JSON.stringify(failed)}`);
      const tenant = { sim, app, accountId: app.accountId };
      tenants.push(tenant);
      return tenant;
    },
    async close() {
      for (const t of tenants) {
        await t.app.close();
        await t.sim.close();
      }
      await testDb.drop();
    },
  };
}

/**
 * Every string that identifies something of these accounts: ids (calls, sessions, legs' extensions,
 * voicemails, recordings, extensions, the accounts themselves), phone numbers, names, URIs — every string
 * leaf of the RingCentral records stored for them and every column the API reads. Timestamps are left out:
 * they identify nothing, and two accounts may share one.
 */
export async function identifyingValues(database: Database, accountIds: readonly string[]): Promise<Set<string>> {
  const ids = sql.param([...accountIds]);
  const rows = await database.query<{ v: string | null }>(sql`
    with docs as (
      select raw as doc from calls where account_id = any(${ids}::text[])
      union all select raw from voicemails where account_id = any(${ids}::text[])
      union all select raw from extensions where account_id = any(${ids}::text[])
      union all select to_jsonb(array[id, coalesce(name, ''), coalesce(main_number, '')]) from accounts where id = any(${ids}::text[])
      union all select to_jsonb(array[id, call_id, coalesce(content_uri, ''), coalesce(uri, '')]) from recordings where account_id = any(${ids}::text[])
      union all select to_jsonb(array[id, coalesce(from_e164, ''), coalesce(to_e164, ''), coalesce(session_id, ''), coalesce(telephony_session_id, '')]) from calls where account_id = any(${ids}::text[])
      union all select to_jsonb(array[coalesce(from_e164, ''), coalesce(to_e164, ''), coalesce(extension_id, '')]) from call_legs where account_id = any(${ids}::text[])
      union all select to_jsonb(array[id, coalesce(from_e164, ''), mailbox_extension_id]) from voicemails where account_id = any(${ids}::text[])
      union all select to_jsonb(array[coalesce(text, '')]) from voicemail_transcripts where account_id = any(${ids}::text[])
    )
    select s #>> '{}' as v from docs, lateral jsonb_path_query(doc, 'strict $.**') as s where jsonb_typeof(s) = 'string'`);
  const values = new Set<string>();
  for (const { v } of rows) if (v && v.length >= 3 && !/^\d{4}-\d{2}-\d{2}(T|$)/.test(v)) values.add(v);
  return values;
}

/** The values of `theirs` that `ours` does not hold too: what must never reach a key of `ours`. */
export function foreignValues(theirs: Set<string>, ours: Set<string>): Set<string> {
  return new Set([...theirs].filter((v) => !ours.has(v)));
}

/**
 * The forbidden values found in an answer: string leaves equal to one, or holding one as a token (an id in
 * a URL, a number in a sentence). Values the request itself sent (an id looked up) are not counted.
 */
export function leaksIn(answer: unknown, forbidden: Set<string>, sent: string): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const part of [value, ...value.split(/[^A-Za-z0-9+]+/)]) if (forbidden.has(part) && !sent.includes(part)) found.add(part);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(answer);
  return [...found];
}
