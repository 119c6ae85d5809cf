import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAll } from '../../src/main.ts';
import { databaseKind } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness(
    { seed: 61, history: history(2000, 3, 30 * 60_000), late: { heldFraction: 0.05, modifiedFraction: 0.1, deletedFraction: 0.02 } },
    { SYNC_BACKFILL_DAYS: '4', SYNC_PAGE_SIZE: '1000', SYNC_LOOKBACK_HOURS: '96' },
  );
  const app = await harness.app();
  for (const results of [await syncAll(app), (harness.sim.release(), await syncAll(app))]) {
    for (const r of results) expect(r.error, `${r.stream}: ${r.error}`).toBeUndefined();
  }
}, 180_000);

afterAll(() => harness?.close());

describe(`voicemail linking and dispositions against the simulator's ground truth (${databaseKind})`, () => {
  it('links voicemails with precision 1.0 and recall ≥ 0.99, and derives dispositions with accuracy ≥ 0.99', async () => {
    const truth = harness.sim.truth();
    const db = harness.testDb.database;
    const links = new Map(
      (await db.query<{ voicemail_id: string; call_id: string | null; method: string | null }>(sql`select voicemail_id, call_id, method from voicemail_links`)).map((l) => [l.voicemail_id, l]),
    );
    const expectedLinks = truth.messages.filter((m) => m.expected.callId !== null);
    const made = [...links.values()].filter((l) => l.call_id !== null);
    // A link is right when it names the call that left the voicemail; recall counts the links a correct
    // linker can know (by reference, or by an unambiguous match) that were made.
    const byId = new Map(truth.messages.map((m) => [m.id, m]));
    const correct = made.filter((l) => byId.get(l.voicemail_id)?.leftByCallId === l.call_id);
    const wrong = made.filter((l) => !correct.includes(l));
    const precision = made.length ? correct.length / made.length : 1;
    const found = expectedLinks.filter((m) => links.get(m.id)?.call_id === m.expected.callId);
    const recall = expectedLinks.length ? found.length / expectedLinks.length : 1;
    const notFound = expectedLinks.filter((m) => !found.includes(m)).slice(0, 5).map((m) => `${m.id} (${m.expected.method}, ${m.tags.join(' ')}): ${JSON.stringify(links.get(m.id))}`);

    const dispositions = new Map(
      (await db.query<{ call_id: string; disposition: string }>(sql`select call_id, disposition from call_dispositions`)).map((d) => [d.call_id, d.disposition]),
    );
    const scored = truth.calls.filter((c) => !c.deleted);
    const agreeing = scored.filter((c) => dispositions.get(c.id) === c.expected.disposition);
    const accuracy = agreeing.length / scored.length;
    const misses = scored.filter((c) => dispositions.get(c.id) !== c.expected.disposition).slice(0, 5).map((c) => `${c.id} ${c.scenario}: expected ${c.expected.disposition}, got ${dispositions.get(c.id)}`);

    console.log(`[linking] ${databaseKind}: ${made.length} links made, ${expectedLinks.length} expected; precision ${precision.toFixed(4)}, recall ${recall.toFixed(4)}; disposition accuracy ${accuracy.toFixed(4)} over ${scored.length} calls`);
    expect(wrong.map((l) => `${l.voicemail_id} -> ${l.call_id} (${l.method})`)).toEqual([]);
    expect(precision).toBe(1);
    expect(recall, notFound.join('\n')).toBeGreaterThanOrEqual(0.99);
    expect(accuracy, misses.join('\n')).toBeGreaterThanOrEqual(0.99);
  });

  it('every voicemail the call log references is linked by that reference', async () => {
    const truth = harness.sim.truth();
    const rows = await harness.testDb.database.query<{ voicemail_id: string; method: string | null }>(sql`select voicemail_id, method from voicemail_links`);
    const methods = new Map(rows.map((r) => [r.voicemail_id, r.method]));
    const referenced = truth.messages.filter((m) => m.expected.method === 'CALL_LOG_REFERENCE');
    expect(referenced.length).toBeGreaterThan(0);
    expect(referenced.filter((m) => methods.get(m.id) !== 'CALL_LOG_REFERENCE').map((m) => m.id)).toEqual([]);
  });

  it('a rederive dry run over an unchanged database reports zero changes', async () => {
    const { deriveAll } = await import('../../src/sync/derive.ts');
    const { silentLogger } = await import('../../src/logger.ts');
    const database = harness.testDb.database;
    const summary = await deriveAll({
      database, accountId: harness.sim.truth().accountId, settings: { voicemailWindowSeconds: 600, callbackHorizonSeconds: 7 * 86_400 },
      logger: silentLogger, now: new Date(), dryRun: true, transaction: (fn) => database.db.transaction(fn),
    });
    expect(summary.calls).toBeGreaterThan(0);
    for (const part of [summary.links, summary.dispositions, summary.callbacks]) expect(part).toMatchObject({ inserted: 0, updated: 0 });
  });
});
