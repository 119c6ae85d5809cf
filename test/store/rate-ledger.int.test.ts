import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateGroup } from '../../src/errors.ts';
import { DEFAULT_LIMITS, MARGIN_MS, RateBudget } from '../../src/ringcentral/rate-budget.ts';
import { SharedRateBudget, type BudgetLedger } from '../../src/ringcentral/shared-rate-budget.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { rateLedger, sharedRateBudget } from '../../src/store/rate-ledger.ts';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';

let testDb: TestDatabase;
const extra: Database[] = [];
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  for (const db of extra) await db.close();
  await testDb.drop();
});

let keys = 0;
const freshKey = () => `ledger-test-${++keys}`;
const T0 = Date.parse('2030-01-01T00:00:00.000Z');

/** rate_ledger_reserve() at an instant of the test's choosing (p_at) instead of the database's clock. */
async function reserveAt(key: string, at: number, limit: number, windowMs: number, marginMs: number): Promise<number> {
  const [row] = await testDb.database.query<{ wait_ms: number; request_limit: number; window_ms: number }>(
    sql`select * from rate_ledger_reserve(${key}::text, 'Light'::text, ${limit}::integer, ${windowMs}::integer, ${marginMs}::integer, ${new Date(at).toISOString()}::timestamptz)`,
  );
  expect(row).toMatchObject({ request_limit: limit, window_ms: windowMs });
  return row!.wait_ms;
}

/** The sliding window as RingCentral counts it, padded by the margin: the reference the SQL must agree with. */
function modelReserve(admitted: number[], at: number, limit: number, windowMs: number, marginMs: number): number {
  const span = windowMs + marginMs;
  const inside = admitted.filter((s) => s > at - span).sort((a, b) => a - b);
  if (inside.length < limit) {
    admitted.push(at);
    return 0;
  }
  return Math.max(1, inside[inside.length - limit]! + span - at);
}

/** A second handle: on PostgreSQL its own pool (as another process would have); PGlite has one per process. */
async function otherHandle(): Promise<Database> {
  if (!testDb.url) return testDb.database;
  const db = await openDatabase({ url: testDb.url });
  extra.push(db);
  return db;
}

describe(`rate_ledger_reserve (${databaseKind})`, () => {
  it('agrees with the sliding-window model on every decision and every wait, so no padded window ever holds more than the limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 50, max: 3_000 }),
        fc.integer({ min: 0, max: 300 }),
        fc.array(fc.integer({ min: 0, max: 1_500 }), { minLength: 1, maxLength: 40 }),
        async (limit, windowMs, marginMs, gaps) => {
          const key = freshKey();
          const admitted: number[] = [];
          let at = T0;
          for (const gap of gaps) {
            at += gap;
            const expected = modelReserve(admitted, at, limit, windowMs, marginMs);
            expect(await reserveAt(key, at, limit, windowMs, marginMs)).toBe(expected);
          }
          for (const t of admitted) expect(admitted.filter((s) => s > t - windowMs - marginMs && s <= t).length).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a wait it answers is exactly enough: the same reservation then succeeds, one millisecond earlier it does not', async () => {
    const key = freshKey();
    for (let i = 0; i < 3; i++) expect(await reserveAt(key, T0 + i * 10, 3, 1_000, 250)).toBe(0);
    const wait = await reserveAt(key, T0 + 100, 3, 1_000, 250);
    expect(wait).toBe(1_150);
    expect(await reserveAt(key, T0 + 100 + wait - 1, 3, 1_000, 250)).toBe(1);
    expect(await reserveAt(key, T0 + 100 + wait, 3, 1_000, 250)).toBe(0);
  });
});

describe(`rateLedger (${databaseKind}), on the database's clock`, () => {
  it('concurrent reservations from two handles (two pools on PostgreSQL) admit exactly the limit', async () => {
    const key = freshKey();
    const ledgers = [rateLedger(testDb.database, key), rateLedger(await otherHandle(), key)];
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => ledgers[i % 2]!.reserve('Heavy', { limit: 10, windowMs: 60_000 }, MARGIN_MS)));
    expect(answers.filter((a) => a.ok)).toHaveLength(10);
    for (const answer of answers.filter((a) => !a.ok)) expect(answer).toMatchObject({ ok: false, limit: 10, windowMs: 60_000 });
  });

  it('an adopted allowance replaces every caller\'s fallback, and is answered with each reservation', async () => {
    const key = freshKey();
    const ledger = rateLedger(testDb.database, key);
    await ledger.adopt('Medium', { limit: 2, windowMs: 30_000 });
    const fallback = { limit: 40, windowMs: 60_000 };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await ledger.reserve('Medium', fallback, MARGIN_MS));
    expect(answers.map((a) => a.ok)).toEqual([true, true, false]);
    expect(answers[2]).toMatchObject({ limit: 2, windowMs: 30_000 });
    // Another group of the credential, and the same group of another credential, keep their own.
    expect(await rateLedger(testDb.database, key).reserve('Light', fallback, MARGIN_MS)).toMatchObject({ ok: true, limit: 40 });
    expect(await rateLedger(testDb.database, freshKey()).reserve('Medium', fallback, MARGIN_MS)).toMatchObject({ ok: true, limit: 40 });
  });

  it('a block holds the group for its duration (plus the margin) with room in the window, and a shorter one does not shorten it', async () => {
    const key = freshKey();
    const ledger = rateLedger(testDb.database, key);
    await ledger.block('Light', 30_000);
    await ledger.block('Light', 1_000);
    const answer = await ledger.reserve('Light', { limit: 50, windowMs: 60_000 }, MARGIN_MS);
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.waitMs).toBeGreaterThan(25_000);
    expect(answer.waitMs).toBeLessThanOrEqual(30_000 + MARGIN_MS);
    const [row] = await testDb.database.query<{ sent: number }>(sql`select cardinality(sent) as sent from rate_ledger where credential_key = ${key}`);
    expect(row!.sent).toBe(0);
  });
});

describe(`SharedRateBudget on the ledger (${databaseKind})`, () => {
  it('what one process learns from headers reaches the others: the allowance, and a window announced spent', async () => {
    const key = freshKey();
    const a = sharedRateBudget(testDb.database, key);
    const b = sharedRateBudget(await otherHandle(), key);
    await a.acquire('Heavy');
    a.observe('Heavy', { limit: 3, windowSec: 20, remaining: 2 });
    await a.settled();
    await b.acquire('Heavy');
    await b.acquire('Heavy');
    // The third of three: b's next reservation waits for the window, though b never saw a header.
    const waits: number[] = [];
    b.onWait((w) => waits.push(w.ms));
    const aborted = AbortSignal.timeout(300);
    await expect(b.acquire('Heavy', aborted)).rejects.toThrow();
    expect(waits[0]).toBeGreaterThan(15_000);
    expect(b.delayFor('Heavy')).toBeGreaterThan(15_000);

    // remaining 0 on a group with room in the ledger (someone outside callsync spent it): blocked for all.
    a.observe('Light', { limit: 50, windowSec: 60, remaining: 0 });
    await a.settled();
    const blocked = await rateLedger(testDb.database, key).reserve('Light', { limit: 50, windowMs: 60_000 }, MARGIN_MS);
    expect(blocked).toMatchObject({ ok: false });
  });

  it('a 429 reported by one (penalize) blocks the group in the ledger for Retry-After', async () => {
    const key = freshKey();
    const a = sharedRateBudget(testDb.database, key);
    a.penalize('Medium', 45_000);
    expect(a.delayFor('Medium')).toBeGreaterThan(40_000);
    await a.settled();
    const answer = await rateLedger(await otherHandle(), key).reserve('Medium', { limit: 40, windowMs: 60_000 }, MARGIN_MS);
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.waitMs).toBeGreaterThan(40_000);
  });

  it('prints what an acquire costs (one round trip), beside a bare round trip, alone and with two other handles acquiring at once', async () => {
    // Fresh credentials every 40 acquires keep each row's window as full as Light's 50 a minute allows.
    const limits = { ...DEFAULT_LIMITS, Light: { limit: 50, windowSec: 60 } };
    const timed = async (times: number[], fn: () => Promise<unknown>) => {
      const started = performance.now();
      await fn();
      times.push(performance.now() - started);
    };
    const run = async (database: Database, batches: number): Promise<number[]> => {
      const times: number[] = [];
      for (let b = 0; b < batches; b++) {
        const budget = sharedRateBudget(database, freshKey(), { limits });
        for (let i = 0; i < 40; i++) await timed(times, () => budget.acquire('Light'));
      }
      return times;
    };
    const local = new RateBudget(undefined, true, { ...limits, Light: { limit: 1_000_000, windowSec: 60 } });
    const localTimes: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 400; i++) {
      await timed(localTimes, () => local.acquire('Light'));
      await timed(bare, () => testDb.database.query(sql`select 1`));
    }
    const alone = await run(testDb.database, 10);
    const others = [await otherHandle(), await otherHandle()];
    const together = (await Promise.all([testDb.database, ...others].map((db) => run(db, 5)))).flat();
    expect(alone).toHaveLength(400);
    expect(together).toHaveLength(600);
    const figure = (t: number[]) => {
      const sorted = [...t].sort((x, y) => x - y);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
      return `p50 ${at(0.5)} ms, p90 ${at(0.9)}, p99 ${at(0.99)}, mean ${(t.reduce((s, x) => s + x, 0) / t.length).toFixed(2)}`;
    };
    console.info([
      `[rate-ledger ${databaseKind}] acquire, in-process RateBudget: ${figure(localTimes)}`,
      `  select 1 (a bare round trip): ${figure(bare)}`,
      `  shared, one handle: ${figure(alone)}`,
      `  shared, three handles at once: ${figure(together)}`,
    ].join('\n'));
  });

  it('disabled, it never asks the ledger and never waits, but still shows what was announced', async () => {
    const asked: string[] = [];
    const refuse = (what: string) => async () => {
      asked.push(what);
      throw new Error(`the ledger was asked to ${what}`);
    };
    const ledger: BudgetLedger = { reserve: refuse('reserve'), block: refuse('block'), adopt: refuse('adopt') };
    const budget = new SharedRateBudget(ledger, { enabled: false });
    for (const group of ['Heavy', 'Light'] as RateGroup[]) await budget.acquire(group);
    budget.observe('Heavy', { limit: 10, remaining: 0, windowSec: 60 });
    budget.penalize('Heavy', 60_000);
    await budget.settled();
    expect(asked).toEqual([]);
    expect(budget.delayFor('Heavy')).toBe(0);
    expect(budget.announced().Heavy).toEqual({ limit: 10, remaining: 0, windowSec: 60 });
  });
});
