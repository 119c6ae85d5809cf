import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { createApp, type App, type AppOptions } from '../../src/main.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import type { Database } from '../../src/store/db.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

/** The RingCentral variables that point callsync (in process or a child) at a simulator. */
export function simulatorEnv(sim: Pick<Simulator, 'url' | 'credentials'>): Record<string, string> {
  return { RC_SERVER_URL: sim.url, RC_CLIENT_ID: sim.credentials.clientId, RC_CLIENT_SECRET: sim.credentials.clientSecret, RC_JWT: sim.credentials.jwt };
}

/** Fast retries: the simulator's faults are short, and tests should not wait RingCentral-sized backoffs. */
export const FAST_RETRY = { retries: 8, minTimeoutMs: 10, maxTimeoutMs: 200 };

const DAY = 86_400_000;

/**
 * A simulated account history: `calls` calls over the `days` days ending `endsAgoMs` ago (default now).
 * A history that ends well before now has no call whose voicemail window is about to close, so whether a
 * call is final cannot change between two derivations made seconds apart.
 */
export function history(calls: number, days = 3, endsAgoMs = 0): NonNullable<SimulatorOptions['history']> {
  const to = new Date(Date.now() - endsAgoMs);
  return { from: new Date(to.getTime() - days * DAY), to, calls };
}

export interface Harness {
  sim: Simulator;
  testDb: TestDatabase;
  /** Environment for a `callsync` child process pointed at this simulator and database. */
  env: Record<string, string>;
  /** Builds an app (the real SDK client) on the shared database. */
  app(env?: Record<string, string>, options?: Partial<AppOptions>): Promise<App>;
  close(): Promise<void>;
}

/** A simulator plus a fresh database; every app built from it talks HTTP to the simulator through the SDK. */
export async function startHarness(simOptions: SimulatorOptions, baseEnv: Record<string, string> = {}): Promise<Harness> {
  const sim = await startSimulator({ rateLimits: false, ...simOptions });
  const testDb = await createTestDatabase();
  const env = {
    ...simulatorEnv(sim),
    SYNC_BACKFILL_DAYS: '4',
    SYNC_PAGE_SIZE: '100',
    LOG_LEVEL: 'silent',
    ...(testDb.url ? { DATABASE_URL: testDb.url } : {}),
    ...baseEnv,
  };
  const apps: App[] = [];
  return {
    sim,
    testDb,
    env,
    async app(extraEnv = {}, options = {}) {
      const config = loadConfig({ ...env, ...extraEnv });
      const app = await createApp(config, { logger: silentLogger, retry: FAST_RETRY, ...options, database: testDb.database });
      apps.push(app);
      return app;
    },
    async close() {
      await testDb.drop();
      await sim.close();
    },
  };
}

interface StoredCall {
  id: string;
  raw: unknown;
  deleted: boolean;
  leg_count: number;
}

/** Asserts that the database holds exactly the simulator's ground truth: same records, same content, same tombstones. */
export async function expectDatabaseEqualsTruth(harness: Pick<Harness, 'sim'> & { testDb: { database: Database } }): Promise<void> {
  const truth = harness.sim.truth();
  const rows = await harness.testDb.database.query<StoredCall>(sql`select id, raw, deleted, leg_count from calls where account_id = ${truth.accountId} order by id`);
  const stored = new Map(rows.map((r) => [r.id, r]));
  const missing = truth.calls.filter((c) => !stored.has(c.id)).map((c) => c.id);
  const extra = rows.filter((r) => !truth.calls.some((c) => c.id === r.id)).map((r) => r.id);
  expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  const differing: string[] = [];
  for (const call of truth.calls) {
    const row = stored.get(call.id)!;
    const same = JSON.stringify(sortKeys(row.raw)) === JSON.stringify(sortKeys(call.record)) && row.deleted === call.deleted && row.leg_count === (call.record.legs?.length ?? 0);
    if (!same) differing.push(call.id);
  }
  expect(differing, `${differing.length} of ${truth.calls.length} records differ from ground truth`).toEqual([]);
  const [legs] = await harness.testDb.database.query<{ n: number }>(sql`select count(*)::int as n from call_legs where account_id = ${truth.accountId}`);
  expect(legs!.n).toBe(truth.calls.reduce((n, c) => n + (c.record.legs?.length ?? 0), 0));
}

/** jsonb does not keep key order; compare documents with sorted keys. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)]));
  return value;
}
