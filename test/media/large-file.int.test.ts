import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/logger.ts';
import { syncAll } from '../../src/main.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { CALL_LOG_STREAM } from '../../src/sync/call-log.ts';
import { EXTENSIONS_STREAM } from '../../src/sync/extensions.ts';
import { databaseKind } from '../helpers/database.ts';
import { history, startHarness, type Harness } from '../helpers/harness.ts';

/*
 * A recording far larger than the memory the proxy may use for it: the simulator generates it as it sends,
 * the proxy streams it, the test counts the bytes without keeping them. Whatever buffered the whole file
 * (the client, the proxy) would grow the process by at least its size.
 */

const FILE_BYTES = 192 * 1024 * 1024;

let harness: Harness;
let server: ApiServer;
let key: string;
let recordingId: string;

beforeAll(async () => {
  harness = await startHarness({ seed: 77, history: history(300, 2, 3_600_000), recordingBytes: FILE_BYTES }, { SYNC_BACKFILL_DAYS: '3', SYNC_PAGE_SIZE: '1000' });
  const app = await harness.app();
  for (const r of await syncAll(app, { streams: [EXTENSIONS_STREAM, CALL_LOG_STREAM] })) expect(r.error, r.stream).toBeUndefined();
  server = await startApiServer({ database: harness.testDb.database, port: 0, logger: silentLogger, media: app.media });
  key = await createApiKey(harness.testDb.database.db, 'large-file');
  const [row] = await harness.testDb.database.query<{ id: string }>(sql`select id from recordings where content_uri is not null order by id limit 1`);
  recordingId = row!.id;
}, 180_000);

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

describe(`/media streams a large file in flat memory (${databaseKind})`, () => {
  it(`passes ${FILE_BYTES / 1024 / 1024} MiB through while the process grows by less than half of that`, async () => {
    // Measured from before the request: a proxy that read the whole file before answering grows before the headers.
    const before = process.memoryUsage().rss;
    const res = await fetch(`${server.url}/media/recordings/${recordingId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(FILE_BYTES));
    let peak = Math.max(before, process.memoryUsage().rss);
    let received = 0;
    let chunks = 0;
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      if (++chunks % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(received).toBe(FILE_BYTES);
    expect(peak - before).toBeLessThan(FILE_BYTES / 2);
  });
});
