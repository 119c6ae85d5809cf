import { RateBudget } from '../../src/ringcentral/rate-budget.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { credentialKey } from '../../src/main.ts';
import { mediaForServe } from '../../src/media/connect.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';

/*
 * `serve` syncs nothing and may run as the read-only role: without RingCentral credentials it cannot fetch
 * audio, and /media says what to configure (503) instead of failing obscurely; links still verify.
 */

let testDb: TestDatabase;
let server: ApiServer;
let key: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrate(testDb.database);
  const config = loadConfig({ CALLSYNC_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'callsync-serve-media-')), LOG_LEVEL: 'silent' });
  const media = await mediaForServe(config, testDb.database, credentialKey, () => new RateBudget(), silentLogger);
  server = await startApiServer({ database: testDb.database, port: 0, logger: silentLogger, media });
  key = await createApiKey(testDb.database.db, 'serve-media');
}, 180_000);

afterAll(async () => {
  await server?.close();
  await testDb?.drop();
});

describe(`serve without RingCentral credentials (${databaseKind})`, () => {
  it('answers /media with 503 naming the variables and grants to set, after checking the key', async () => {
    const anonymous = await fetch(`${server.url}/media/voicemails/1`);
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
    await testDb.database.query((await import('drizzle-orm')).sql`
      insert into voicemails (account_id, id, mailbox_extension_id, availability, audio_uri, raw, content_hash)
      values ('1', '42', '7', 'Alive', 'https://media.ringcentral.com/restapi/v1.0/account/1/extension/7/message-store/42/content/42', '{}', 'x')`);
    const res = await fetch(`${server.url}/media/voicemails/42`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('MEDIA_NOT_CONFIGURED');
    expect(body.error.message).toContain('RC_CLIENT_ID');
    expect(body.error.message).toContain('callsync db-grants --media');
  });
});
