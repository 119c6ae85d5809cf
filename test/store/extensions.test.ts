import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../src/ringcentral/json.ts';
import { parseExtensions } from '../../src/ringcentral/payloads.ts';
import { upsertExtensions } from '../../src/store/extensions.ts';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb?.drop());

describe(`extensions store (${databaseKind})`, () => {
  it('keeps int64 values beyond 2^53 in the raw record exact, and writes nothing when nothing changed', async () => {
    const text = '{"records":[{"uri":"https://platform.ringcentral.com/restapi/v1.0/account/1/extension/9007199254740993","id":9007199254740993,"extensionNumber":"101","name":"Benno Dean","type":"User","status":"Enabled","site":{"id":9007199254740995}}]}';
    const records = parseExtensions((parseJson(text) as { records: unknown }).records, 'test page');
    expect(await upsertExtensions(testDb.database.db, '1', records)).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    const [row] = await testDb.database.query<{ id: string; site: string }>(sql`select id, raw -> 'site' ->> 'id' as site from extensions where account_id = '1'`);
    expect(row).toEqual({ id: '9007199254740993', site: '9007199254740995' });
    expect(await upsertExtensions(testDb.database.db, '1', records)).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
  });
});
