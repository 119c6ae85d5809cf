import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { createEmptyPostgresDatabase, databaseKind, dropPostgresDatabase, testServerUrl } from '../helpers/database.ts';
import { expectDatabaseEqualsTruth, history } from '../helpers/harness.ts';

const CLI = path.resolve('src/cli/index.ts');

let sim: Simulator;
let dbUrl: string | undefined;
let dataDir: string | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startSimulator({ seed: 31, history: history(500, 3), rateLimits: false });
  if (testServerUrl) dbUrl = await createEmptyPostgresDatabase();
  else dataDir = mkdtempSync(path.join(tmpdir(), 'callsync-crash-'));
  env = {
    ...process.env as Record<string, string>,
    RC_SERVER_URL: sim.url,
    RC_CLIENT_ID: sim.credentials.clientId,
    RC_CLIENT_SECRET: sim.credentials.clientSecret,
    RC_JWT: sim.credentials.jwt,
    SYNC_BACKFILL_DAYS: '4',
    SYNC_PAGE_SIZE: '25',
    SYNC_FAST_PATH: 'extract-sync',
    LOG_LEVEL: 'error',
    ...(dbUrl ? { DATABASE_URL: dbUrl } : { CALLSYNC_DATA_DIR: dataDir! }),
  };
});

afterAll(async () => {
  await sim?.close();
  if (dbUrl) await dropPostgresDatabase(dbUrl);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `callsync sync` in a child process; kills it with SIGKILL once the simulator has served `killAfterHeavy` more Heavy requests. */
function runSync(killAfterHeavy?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const startHeavy = sim.stats().requests.Heavy;
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'sync'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
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

async function open(): Promise<Database> {
  return openDatabase({ url: dbUrl, dataDir: dataDir ? path.join(dataDir, 'pgdata') : undefined });
}

describe(`a sync killed mid-way resumes with nothing lost and nothing doubled (${databaseKind})`, () => {
  it('survives SIGKILL at several points, then converges to ground truth', async () => {
    // The slow responses widen the window in which the kill lands: during a request, between the response
    // and the commit, or inside the page transaction.
    sim.faults.set({ slow: { ms: 40, group: 'Heavy' } });
    const killed: number[] = [];
    for (const point of [1, 3, 6, 10]) {
      const result = await runSync(point);
      if (result.signal === 'SIGKILL') killed.push(point);
      else expect(result.code, result.stderr).toBe(0);
    }
    expect(killed.length).toBeGreaterThanOrEqual(3);
    sim.faults.clear();
    const final = await runSync();
    expect(final.code, final.stderr).toBe(0);

    const database = await open();
    try {
      await expectDatabaseEqualsTruth({ sim, testDb: { database } });
      const [runs] = await database.query<{ running: number; total: number }>(
        sql`select count(*) filter (where outcome = 'running')::int as running, count(*)::int as total from sync_runs where stream = 'call-log'`,
      );
      expect(runs!.running).toBe(0);
      expect(runs!.total).toBeGreaterThanOrEqual(killed.length + 1);
    } finally {
      await database.close();
    }
  }, 180_000);
});
