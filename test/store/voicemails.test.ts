import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../src/ringcentral/json.ts';
import { parseMessages } from '../../src/ringcentral/payloads.ts';
import type { Database } from '../../src/store/db.ts';
import { upsertVoicemails } from '../../src/store/voicemails.ts';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';

const ACCOUNT = '37439510';
const MAILBOX = '133165004';
let testDb: TestDatabase;
let database: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = testDb.database;
});
afterAll(() => testDb?.drop());

/** A voicemail as the message store serves it (shape of the seed thread), as raw JSON text. */
function messageJson(id: string, overrides: Record<string, unknown> = {}): string {
  const body = {
    uri: `https://platform.ringcentral.com/restapi/v1.0/account/${ACCOUNT}/extension/${MAILBOX}/message-store/__ID__`,
    id: '__ID__',
    to: [{ phoneNumber: '+1650581XXXX', name: '(650) 581-9987 (Benno Dean)', location: 'San Mateo, CA' }],
    from: { phoneNumber: '(415) 890-5908', name: 'SAN FRANCSCO CA' },
    type: 'VoiceMail',
    creationTime: '2026-10-26T16:46:22.000Z',
    readStatus: 'Unread',
    priority: 'Normal',
    attachments: [{ id: '__ID__', uri: `https://media.ringcentral.com/restapi/v1.0/account/${ACCOUNT}/extension/${MAILBOX}/message-store/__ID__/content/__ID__`, type: 'AudioRecording', contentType: 'audio/mpeg', vmDuration: 58 }],
    direction: 'Inbound',
    availability: 'Alive',
    messageStatus: 'Received',
    lastModifiedTime: '2026-10-26T16:46:22.553Z',
    vmTranscriptionStatus: 'NotAvailable',
    ...overrides,
  };
  // Splice the id in as a bare integer literal: int64 ids beyond 2^53 cannot pass through a JS number.
  return JSON.stringify(body).replace(/"__ID__"/g, id).replace(/__ID__/g, id);
}

const upsert = (...jsons: string[]) =>
  database.db.transaction((tx) => upsertVoicemails(tx, ACCOUNT, MAILBOX, parseMessages(parseJson(`[${jsons.join(',')}]`), 'test')));

describe(`upsertVoicemails (${databaseKind})`, () => {
  it('stores typed columns, E.164 numbers, the audio attachment and the raw JSON', async () => {
    await upsert(messageJson('2074108004'));
    const [row] = await database.query<Record<string, unknown>>(sql`select * from voicemails where id = '2074108004'`);
    expect(row).toMatchObject({ mailbox_extension_id: MAILBOX, from_e164: '+14158905908', to_e164: '+1650581XXXX', duration_seconds: 58, read_status: 'Unread', transcription_status: 'NotAvailable', availability: 'Alive', audio_content_type: 'audio/mpeg' });
    expect(row!.audio_uri).toMatch(/content\/2074108004$/);
  });

  it('keeps int64 message ids beyond 2^53 exact, in the id column and in the raw JSON', async () => {
    const big = '9007199254740993';
    await upsert(messageJson(big));
    const [row] = await database.query<{ id: string; raw_id: string }>(sql`select id, raw->>'id' as raw_id from voicemails where id = ${big}`);
    expect(row).toEqual({ id: big, raw_id: big });
  });

  it('writes only changed messages and turns bare deletions into tombstones', async () => {
    await upsert(messageJson('3000000001'));
    expect(await upsert(messageJson('3000000001'))).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
    const read = messageJson('3000000001', { readStatus: 'Read', lastModifiedTime: '2026-10-26T17:00:00.000Z' });
    expect(await upsert(read)).toMatchObject({ updated: 1 });
    expect(await upsert('{"id":3000000001,"availability":"Purged"}')).toMatchObject({ updated: 1, changedIds: ['3000000001'] });
    const [row] = await database.query<{ availability: string; read_status: string }>(sql`select availability, read_status from voicemails where id = '3000000001'`);
    expect(row).toEqual({ availability: 'Purged', read_status: 'Read' });
  });
});
