import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { parseCallLogCursor } from '../../src/sync/call-log-cursor.ts';
import { createEmptyPostgresDatabase, databaseKind, dropPostgresDatabase, testServerUrl } from '../helpers/database.ts';
import { expectDatabaseEqualsTruth, history } from '../helpers/harness.ts';

const CLI = path.resolve('src/cli/index.ts');
const PER_PAGE = 25;
const FROM = new Date(Date.now() - 4 * 86_400_000).toISOString();

let sim: Simulator;
let dbUrl: string | undefined;
let dataDir: string | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startSimulator({ seed: 32, history: history(500, 3), rateLimits: false });
  if (testServerUrl) dbUrl = await createEmptyPostgresDatabase();
  else dataDir = mkdtempSync(path.join(tmpdir(), 'callsync-backfill-crash-'));
  env = {
    ...process.env as Record<string, string>,
    RC_SERVER_URL: sim.url,
    RC_CLIENT_ID: sim.credentials.clientId,
    RC_CLIENT_SECRET: sim.credentials.clientSecret,
    RC_JWT: sim.credentials.jwt,
    SYNC_PAGE_SIZE: String(PER_PAGE),
    LOG_LEVEL: 'error',
    ...(dbUrl ? { DATABASE_URL: dbUrl } : { CALLSYNC_DATA_DIR: dataDir! }),
  };
});

afterAll(async () => {
  await sim?.close();
  if (dbUrl) await dropPostgresDatabase(dbUrl);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `callsync backfill --from FROM` (no --to: a re-run resumes); SIGKILL once the simulator served `killAfterHeavy` more Heavy requests. */
function runBackfill(killAfterHeavy?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const startHeavy = sim.stats().requests.Heavy;
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'backfill', '--from', FROM], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  let timer: NodeJS.Timeout | undefined;
  if (killAfterHeavy !== undefined) {
    timer = setInterval(() => {
      if (sim.stats().requests.Heavy - startHeavy >= killAfterHeavy) {
        clearInterval(timer);
        child.kill('SIGKILL');
      }
    }, 2);
  }
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, stderr });
    }),
  );
}

describe(`a backfill killed mid-way resumes where it stopped, losing nothing (${databaseKind})`, () => {
  it('survives SIGKILL at several points; re-running the same command resumes rather than starting over', async () => {
    sim.faults.set({ slow: { ms: 40, group: 'Heavy' } });
    const killed: number[] = [];
    for (const point of [2, 5, 9]) {
      const result = await runBackfill(point);
      if (result.signal === 'SIGKILL') killed.push(point);
      else expect(result.code, result.stderr).toBe(0);
    }
    expect(killed.length).toBeGreaterThanOrEqual(2);
    sim.faults.clear();
    const final = await runBackfill();
    expect(final.code, final.stderr.slice(-2000)).toBe(0);

    const pages = Math.ceil(sim.truth().calls.length / PER_PAGE);
    // Each kill loses at most the page in flight; starting over would have cost the pages read before it again.
    expect(sim.stats().requests.Heavy).toBeLessThanOrEqual(pages + killed.length);
    const database = await open();
    try {
      await expectDatabaseEqualsTruth({ sim, testDb: { database } });
      const [state] = await database.query<{ cursor: unknown }>(sql`select cursor from sync_state where stream = 'call-log-backfill'`);
      const cursor = parseCallLogCursor(state!.cursor);
      expect(cursor.scan).toBeUndefined();
      expect(cursor.covered?.from).toBe(FROM);
    } finally {
      await database.close();
    }
  }, 180_000);
});

async function open(): Promise<Database> {
  return openDatabase({ url: dbUrl, dataDir: dataDir ? path.join(dataDir, 'pgdata') : undefined });
}
