import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncAll, type App } from '../../src/main.ts';
import type { Database } from '../../src/store/db.ts';
import type { RunResult } from '../../src/sync/runner.ts';
import { MAX_TRANSCRIPTS_PER_PASS } from '../../src/sync/transcripts.ts';
import { startApi, type ApiClient } from '../helpers/api.ts';
import { databaseKind } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

/*
 * Transcripts end to end: the simulator (on a clock the test moves) transcribes voicemails — some complete,
 * some partially, some fail, time out or are not available, and some stay InProgress until release() —;
 * callsync syncs through the real SDK, and the GraphQL API serves what it fetched.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let harness: Harness;
let app: App;
let api: ApiClient;
let simNow = Date.now();
/** Every voicemail pass of the test, in order. */
const passes: RunResult[] = [];

async function pass(): Promise<RunResult> {
  const results = await syncAll(app, { now: () => new Date(simNow) });
  for (const r of results) expect(r.error, `${r.stream}: ${r.error}`).toBeUndefined();
  const run = results.find((r) => r.stream === 'voicemails')!;
  passes.push(run);
  return run;
}

/**
 * Passes five minutes apart until one asks RingCentral nothing about single messages — no transcript
 * download, no by-id read of pending ones: then nothing is due. Returns how many it took.
 */
async function drain(): Promise<number> {
  for (let n = 1; n <= 30; n++) {
    simNow += 5 * MINUTE;
    const before = harness.sim.stats().endpoints;
    await pass();
    const after = harness.sim.stats().endpoints;
    if (after.messageContent === before.messageContent && after.messageById === before.messageById) return n;
  }
  throw new Error('transcripts still being fetched after 30 passes');
}

interface ApiVoicemail {
  id: string;
  transcriptionStatus: string | null;
  transcript: string | null;
}

async function apiVoicemails(): Promise<Map<string, ApiVoicemail>> {
  const res = await api.gql<{ voicemails: { edges: Array<{ node: ApiVoicemail }> } }>(
    `{ voicemails(first: 500) { edges { node { id transcriptionStatus transcript } } } }`,
  );
  expect(res.errors).toBeUndefined();
  return new Map(res.data!.voicemails.edges.map((e) => [e.node.id, e.node]));
}

/** Every stored voicemail against the simulator's truth: same status, and exactly its transcript (or null). */
async function expectTranscriptsEqualTruth(): Promise<Map<string, ApiVoicemail>> {
  const served = await apiVoicemails();
  const truth = harness.sim.truth().messages.filter((m) => served.has(m.id) && m.availability !== 'Purged');
  const differing = truth.flatMap((m) => {
    const got = served.get(m.id)!;
    const status = 'vmTranscriptionStatus' in m.message ? m.message.vmTranscriptionStatus : null;
    return got.transcriptionStatus === status && got.transcript === m.transcript ? [] : [{ id: m.id, status, got }];
  });
  expect(differing).toEqual([]);
  return served;
}

const countBy = (values: Iterable<ApiVoicemail>, status: (v: ApiVoicemail) => string | null) => {
  const out: Record<string, number> = {};
  for (const v of values) out[status(v) ?? 'null'] = (out[status(v) ?? 'null'] ?? 0) + 1;
  return out;
};

beforeAll(async () => {
  harness = await startHarness(
    // A history of 18 hours that ended an hour ago: every transcription in it has finished, but for those
    // held back (and those cut off by its end), and none is old enough for callsync to give up on.
    { seed: 83, clock: () => simNow, history: history(500, 0.75, HOUR), late: { heldFraction: 0, modifiedFraction: 0, deletedFraction: 0, transcriptionHeldFraction: 0.3 } },
    // A week's sweep: a mailbox is not read again for its pending transcriptions' sake; callsync must ask.
    { SYNC_BACKFILL_DAYS: '2', SYNC_PAGE_SIZE: '1000', VOICEMAIL_SWEEP_HOURS: '168' },
  );
  app = await harness.app();
  api = await startApi(harness.testDb.database);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await harness?.close();
});

describe(`voicemail transcripts (${databaseKind})`, () => {
  it('serves each completed transcript with the simulator\'s exact text, at most MAX_TRANSCRIPTS_PER_PASS downloads a pass', async () => {
    await pass();
    await drain();
    const served = await expectTranscriptsEqualTruth();
    const texts = [...served.values()].filter((v) => v.transcript !== null);
    // Enough of them that the cap had to spread the downloads over several passes.
    expect(texts.length).toBeGreaterThan(2 * MAX_TRANSCRIPTS_PER_PASS);
    expect(passes.every((p) => p.requests.Medium <= MAX_TRANSCRIPTS_PER_PASS)).toBe(true);
    expect(passes.filter((p) => p.requests.Medium === MAX_TRANSCRIPTS_PER_PASS).length).toBeGreaterThanOrEqual(2);
    // Partial transcripts are served as RingCentral made them out: partially.
    const partial = [...served.values()].filter((v) => v.transcriptionStatus === 'CompletedPartially');
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.every((v) => v.transcript !== null)).toBe(true);
  });

  it('gives null with their status for failed, timed-out, not available and pending transcriptions', async () => {
    const served = await apiVoicemails();
    const byStatus = countBy(served.values(), (v) => v.transcriptionStatus);
    for (const status of ['Failed', 'TimedOut', 'NotAvailable', 'InProgress']) expect(byStatus[status], `${status} in ${JSON.stringify(byStatus)}`).toBeGreaterThan(0);
    const withoutText = [...served.values()].filter((v) => ['Failed', 'TimedOut', 'NotAvailable', 'InProgress'].includes(v.transcriptionStatus ?? ''));
    expect(withoutText.filter((v) => v.transcript !== null)).toEqual([]);
  });

  it('does not hold a call back for its transcript: calls whose voicemail is still being transcribed are final', async () => {
    await pass();
    const rows = await harness.testDb.database.query<{ final: boolean; disposition: string }>(sql`
      select d.final, d.disposition from voicemails v
      join voicemail_links l on l.account_id = v.account_id and l.voicemail_id = v.id
      join call_dispositions d on d.account_id = l.account_id and d.call_id = l.call_id
      where v.transcription_status = 'InProgress'`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.final && r.disposition === 'VOICEMAIL')).toBe(true);
  });

  it('fetches a pending transcript after it completes, in a later pass, by asking about it without a mailbox read', async () => {
    const before = await apiVoicemails();
    const pending = [...before.values()].filter((v) => v.transcriptionStatus === 'InProgress').map((v) => v.id);
    const willComplete = harness.sim.truth().messages.filter((m) => pending.includes(m.id) && m.timeline.transcribed === null && m.tags.includes('held'));
    expect(willComplete.length).toBeGreaterThan(0);
    const contentBefore = harness.sim.stats().endpoints.messageContent;

    harness.sim.release();
    const releasedAt = new Date(simNow);
    // Nothing else changed: no call record calls for a read of their mailboxes. The held voicemails are
    // hours old: callsync asks about them again every 2 hours at most (recheckAfterMs).
    simNow += 2 * HOUR + MINUTE;
    await pass();
    await drain();
    const after = await expectTranscriptsEqualTruth();
    const completed = willComplete.filter((m) => after.get(m.id)!.transcript !== null);
    expect(completed.length).toBeGreaterThan(0);
    expect(harness.sim.stats().endpoints.messageContent - contentBefore).toBe(completed.length);
    // Most of their mailboxes were not read since the release (the week-long sweep reads one a pass).
    const unread = await harness.testDb.database.query<{ id: string }>(sql`
      select extension_id as id from mailboxes where extension_id = any(${sql.param([...new Set(completed.map((m) => m.mailboxExtensionId))])}::text[])
        and read_started_at < ${releasedAt.toISOString()}`);
    expect(unread.length).toBeGreaterThan(0);
  });

  it('fetches nothing twice: one content request per stored transcript, none in a pass with nothing new', async () => {
    const [stored] = await harness.testDb.database.query<{ n: number }>(sql`select count(*)::int as n from voicemail_transcripts`);
    expect(harness.sim.stats().endpoints.messageContent).toBe(stored!.n);
    expect(passes.reduce((n, p) => n + p.requests.Medium, 0)).toBe(stored!.n);
    simNow += 5 * MINUTE;
    const idle = await pass();
    expect(idle.requests.Medium).toBe(0);
    expect(harness.sim.stats().endpoints.messageContent).toBe(stored!.n);
  });

  it('reads the transcripts of a page in one statement, and only when the query selects them', async () => {
    const database = harness.testDb.database;
    let n = 0;
    const counting: Database = { ...database, query: (statement) => ((n += 1), database.query(statement)) };
    const counted = await startApi(counting);
    try {
      const statements = async (first: number, fields: string) => {
        await counted.gql('{ voicemails(first: 1) { edges { node { id } } } }');
        n = 0;
        const res = await counted.gql(`{ voicemails(first: ${first}) { edges { node { ${fields} } } } }`);
        expect(res.errors).toBeUndefined();
        return n;
      };
      const plain = await statements(200, 'id transcriptionStatus');
      expect(await statements(200, 'id transcriptionStatus transcript')).toBe(plain + 1);
      expect(await statements(2, 'id transcriptionStatus transcript')).toBe(plain + 1);
    } finally {
      await counted.close();
    }
  });
});
