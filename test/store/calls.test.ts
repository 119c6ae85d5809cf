import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertCallPage } from '../../src/store/calls.ts';
import type { Database } from '../../src/store/db.ts';
import { entries, makeCallRecord } from '../builders.ts';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';

const ACCOUNT = '37439510';
let testDb: TestDatabase;
let database: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = testDb.database;
});
afterAll(() => testDb?.drop());

const upsert = (...args: Parameters<typeof entries>) => database.db.transaction((tx) => upsertCallPage(tx, ACCOUNT, entries(...args)));
const row = async (id: string) =>
  (await database.query<Record<string, unknown>>(sql`select *, updated_at::text as updated_text from calls where account_id = ${ACCOUNT} and id = ${id}`))[0];
const legs = (id: string) => database.query<Record<string, unknown>>(sql`select * from call_legs where account_id = ${ACCOUNT} and call_id = ${id} order by position`);

describe(`upsertCallPage (${databaseKind})`, () => {
  it('inserts new records with typed columns, E.164 numbers and the raw JSON as received', async () => {
    const record = makeCallRecord({ from: { phoneNumber: '(415) 890-5908', name: 'Caller' } });
    const counts = await upsert(record);
    expect(counts).toMatchObject({ inserted: 1, updated: 0, unchanged: 0, changedIds: [record.id] });
    const stored = await row(record.id);
    expect(stored).toMatchObject({ direction: 'Inbound', result: 'Accepted', from_phone_number: '(415) 890-5908', from_e164: '+14158905908', to_e164: '+16505819987', extension_id: '133165004', leg_count: 1, deleted: false });
    expect(stored!.raw).toEqual(JSON.parse(JSON.stringify(record)));
    expect(new Date(stored!.end_time as string).toISOString()).toBe(new Date(Date.parse(record.startTime) + 100_000).toISOString());
    expect(await legs(record.id)).toHaveLength(1);
  });

  it('writes nothing when the same record comes again unchanged', async () => {
    const record = makeCallRecord();
    await upsert(record);
    const before = await row(record.id);
    const counts = await upsert(record);
    expect(counts).toMatchObject({ inserted: 0, updated: 0, unchanged: 1, changedIds: [] });
    expect((await row(record.id))!.updated_text).toBe(before!.updated_text);
  });

  it('updates a record whose content changed and replaces its legs', async () => {
    const record = makeCallRecord();
    await upsert(record);
    const changed = {
      ...record,
      result: 'Voicemail',
      lastModifiedTime: new Date(Date.parse(record.lastModifiedTime!) + 60_000).toISOString(),
      legs: [...record.legs!, { ...record.legs![0]!, legType: 'FindMe', master: false, result: 'No Answer' }],
    };
    expect(await upsert(changed)).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });
    expect(await row(record.id)).toMatchObject({ result: 'Voicemail', leg_count: 2 });
    expect((await legs(record.id)).map((l) => l.leg_type)).toEqual(['Accept', 'FindMe']);
  });

  it('never overwrites a newer version with an older one', async () => {
    const newer = makeCallRecord({ result: 'Voicemail' });
    await upsert(newer);
    const older = { ...newer, result: 'In Progress', lastModifiedTime: new Date(Date.parse(newer.lastModifiedTime!) - 60_000).toISOString() };
    expect(await upsert(older)).toMatchObject({ updated: 0, unchanged: 1 });
    expect((await row(newer.id))!.result).toBe('Voicemail');
  });

  it('keeps deleted records as tombstones, from full records and from bare deletions', async () => {
    const a = makeCallRecord();
    const b = makeCallRecord();
    await upsert(a, b);
    await upsert({ ...a, deleted: true, lastModifiedTime: new Date(Date.parse(a.lastModifiedTime!) + 1000).toISOString() });
    const bare = await database.db.transaction((tx) => upsertCallPage(tx, ACCOUNT, [{ kind: 'tombstone', id: b.id }]));
    expect(bare).toMatchObject({ updated: 1, changedIds: [b.id] });
    expect((await row(a.id))!.deleted).toBe(true);
    expect((await row(b.id))!.deleted).toBe(true);
    expect(await legs(b.id)).toHaveLength(1);
  });

  it('keeps recordings named on the record and on legs as rows tied to the call and leg', async () => {
    const base = makeCallRecord();
    const record = {
      ...base,
      recording: { id: 'R1', uri: 'https://platform.ringcentral.com/restapi/v1.0/account/1/recording/R1', type: 'Automatic', contentUri: 'https://media.ringcentral.com/restapi/v1.0/account/1/recording/R1/content' },
      legs: [base.legs![0]!, { ...base.legs![0]!, master: false, recording: { id: 'R2', uri: 'u2', type: 'OnDemand', contentUri: 'c2' } }],
    };
    await upsert(record);
    const recordings = () => database.query<{ leg_position: number; id: string; type: string }>(sql`select leg_position, id, type from recordings where call_id = ${record.id} order by leg_position`);
    expect(await recordings()).toEqual([{ leg_position: -1, id: 'R1', type: 'Automatic' }, { leg_position: 1, id: 'R2', type: 'OnDemand' }]);
    const { recording: _dropped, ...withoutRecording } = record;
    await upsert({ ...withoutRecording, lastModifiedTime: new Date(Date.parse(record.lastModifiedTime!) + 1000).toISOString() });
    expect(await recordings()).toEqual([{ leg_position: 1, id: 'R2', type: 'OnDemand' }]);
  });

  it('takes the last copy when a page repeats a record', async () => {
    const record = makeCallRecord();
    const later = { ...record, result: 'Missed' };
    expect(await upsert(record, later)).toMatchObject({ inserted: 1 });
    expect((await row(record.id))!.result).toBe('Missed');
  });

  it('stores a page of 1000 records with 3 legs each in one go', async () => {
    const page = Array.from({ length: 1000 }, () => {
      const r = makeCallRecord();
      return { ...r, legs: [r.legs![0]!, r.legs![0]!, r.legs![0]!] };
    });
    expect(await upsert(...page)).toMatchObject({ inserted: 1000 });
    const [count] = await database.query<{ n: number }>(sql`select count(*)::int as n from call_legs where call_id = any(${sql.param(page.map((p) => p.id))}::text[])`);
    expect(count!.n).toBe(3000);
  });
});
