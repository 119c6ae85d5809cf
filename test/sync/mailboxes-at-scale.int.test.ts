import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAll, type App } from '../../src/main.ts';
import type { RunResult } from '../../src/sync/runner.ts';
import { databaseKind } from '../helpers/database.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

/**
 * A 1,000-user company (≈1,040 mailboxes) on a simulated clock that moves five minutes a pass, with
 * RingCentral's limits counted rather than waited out: every pass must fit RingCentral's budget (Light 50,
 * Heavy 10 a minute), and every voicemail must be linked, its call final, in the first pass after both are
 * visible. bench:mailboxes runs the same at a full day's traffic.
 */
const MIN = 60_000;
const PASS_MS = 5 * MIN;
let clock = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
let harness: Harness;
let app: App;
const passes: RunResult[][] = [];
/** Per call with a voicemail: the pass after which truth first expected the link, and the pass after which it was made. */
const due = new Map<string, { pass: number; voicemailId: string }>();
const made = new Map<string, number>();

async function pass(index: number): Promise<void> {
  clock += PASS_MS;
  const results = await syncAll(app, { now: () => new Date(clock) });
  for (const r of results) expect(r.error, `pass ${index}, ${r.stream}: ${r.error}`).toBeUndefined();
  passes.push(results);
  for (const call of harness.sim.truth().calls) {
    const id = call.expected.voicemailMessageId;
    if (id && !due.has(call.id)) due.set(call.id, { pass: index, voicemailId: id });
  }
  const linked = await harness.testDb.database.query<{ call_id: string; voicemail_id: string }>(sql`
    select l.call_id, l.voicemail_id from voicemail_links l join call_dispositions d on d.account_id = l.account_id and d.call_id = l.call_id where d.final`);
  for (const l of linked) if (!made.has(l.call_id) && due.get(l.call_id)?.voicemailId === l.voicemail_id) made.set(l.call_id, index);
}

beforeAll(async () => {
  const t0 = clock;
  harness = await startHarness(
    { seed: 12, clock: () => clock, company: { users: 1000 }, history: { from: new Date(t0 - 6 * 60 * MIN), to: new Date(t0 + 30 * MIN), calls: 2_500 } },
    { SYNC_BACKFILL_DAYS: '1', SYNC_PAGE_SIZE: '1000' },
  );
  app = await harness.app();
  for (let i = 0; i <= 4; i++) await pass(i);
}, 240_000);

afterAll(() => harness?.close());

const total = (results: RunResult[], group: 'Heavy' | 'Light' | 'Medium') => results.reduce((n, r) => n + r.requests[group], 0);

describe(`a 1,000-user account (${databaseKind})`, () => {
  it('spends at most a minute of each rate budget a pass after the backfill, and receives no 429', () => {
    for (const results of passes.slice(1)) {
      expect(total(results, 'Light')).toBeLessThanOrEqual(50);
      expect(total(results, 'Heavy')).toBeLessThanOrEqual(10);
      expect(total(results, 'Medium')).toBeLessThanOrEqual(40);
    }
    expect(passes.flat().reduce((n, r) => n + r.rateLimited, 0)).toBe(0);
  });

  it('links every voicemail, and makes its call final, in the first pass after both are visible', () => {
    const fresh = [...due].filter(([, d]) => d.pass > 0);
    expect(fresh.length).toBeGreaterThan(5);
    expect(fresh.filter(([callId, d]) => made.get(callId) !== d.pass).map(([callId]) => callId)).toEqual([]);
  });

  it('never reads extensions without a mailbox, nor disabled users nobody called', async () => {
    const read = new Set((await harness.testDb.database.query<{ id: string }>(sql`select substring(stream from 11) as id from sync_state where stream like 'voicemail:%'`)).map((r) => r.id));
    const extensions = harness.sim.truth().extensions;
    const noMailbox = extensions.filter((e) => e.type !== 'User' && e.type !== 'Department').map((e) => String(e.id));
    const disabled = extensions.filter((e) => e.status === 'Disabled').map((e) => String(e.id));
    expect(noMailbox.length).toBeGreaterThan(0);
    expect(disabled.length).toBeGreaterThan(0);
    expect([...noMailbox, ...disabled].filter((id) => read.has(id))).toEqual([]);
    expect(read.size).toBeGreaterThan(100);
  });
});
