import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { createLogger } from '../../src/logger.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { createEmptyPostgresDatabase, createTestDatabase, databaseKind, dropPostgresDatabase, testServerUrl } from '../helpers/database.ts';

/*
 * /readyz answers anyone, key or not: it says ready or not ready with a generic reason, and the details
 * (the driver's text: hosts, ports, roles, relations) go to the server's log only.
 */

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, logger: createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }) };
}

async function serve(database: Database) {
  const { logger, lines } = recordingLogger();
  const server: ApiServer = await startApiServer({ database, port: 0, logger });
  cleanups.push(() => server.close());
  const readyz = async () => {
    const res = await fetch(`${server.url}/readyz`);
    return { status: res.status, text: await res.text() };
  };
  return { readyz, lines };
}

describe(`/readyz (${databaseKind})`, () => {
  it('says only "database unreachable" when the database fails; the driver\'s error goes to the log, once', async () => {
    const testDb = await createTestDatabase();
    cleanups.push(() => testDb.drop());
    const { readyz, lines } = await serve(testDb.database);
    expect(await readyz()).toEqual({ status: 200, text: JSON.stringify({ status: 'ready' }) });
    // Its connections gone: postgres.js says "write CONNECTION_ENDED 127.0.0.1:5432", PGlite "PGlite is closed".
    await testDb.database.close();
    const answers = [await readyz(), await readyz()];
    for (const answer of answers) expect(answer).toEqual({ status: 503, text: JSON.stringify({ status: 'not ready', reason: 'database unreachable' }) });
    const logged = lines.filter((l) => l.msg === 'not ready: database unreachable');
    expect(logged).toHaveLength(1);
    const driverText = String(logged[0]!.error);
    expect(driverText).toMatch(/CONNECTION_ENDED|closed/i);
    expect(answers[0]!.text).not.toContain(driverText);
  });

  it('says "schema behind: run `callsync migrate`" on a database nobody migrated, and logs where it stands', async () => {
    const url = testServerUrl ? await createEmptyPostgresDatabase() : undefined;
    const database = await openDatabase({ url });
    cleanups.push(async () => {
      await database.close();
      if (url) await dropPostgresDatabase(url);
    });
    const { readyz, lines } = await serve(database);
    expect(await readyz()).toEqual({ status: 503, text: JSON.stringify({ status: 'not ready', reason: 'database schema behind: run `callsync migrate`' }) });
    expect(lines.find((l) => String(l.msg).startsWith('not ready'))).toMatchObject({ applied: 0, expected: expect.any(Number) });
  });
});
