import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCrashRig, type CrashRig } from '../helpers/crash-rig.ts';
import { databaseKind } from '../helpers/database.ts';
import { expectDatabaseEqualsTruth, history } from '../helpers/harness.ts';

let rig: CrashRig;

beforeAll(async () => {
  rig = await startCrashRig({ seed: 31, history: history(500, 3) }, { SYNC_BACKFILL_DAYS: '4', SYNC_PAGE_SIZE: '25', SYNC_FAST_PATH: 'extract-sync' });
});

afterAll(() => rig?.close());

/** `callsync sync`, SIGKILLed once the simulator has served `killAfterHeavy` more Heavy requests. */
const runSync = (killAfterHeavy?: number) => rig.run(['sync'], killAfterHeavy);

describe(`a sync killed mid-way resumes with nothing lost and nothing doubled (${databaseKind})`, () => {
  it('survives SIGKILL at several points, then converges to ground truth', async () => {
    // The slow responses widen the window in which the kill lands: during a request, between the response
    // and the commit, or inside the page transaction.
    rig.sim.faults.set({ slow: { ms: 40, group: 'Heavy' } });
    const killed: number[] = [];
    for (const point of [1, 3, 6, 10]) {
      const result = await runSync(point);
      if (result.signal === 'SIGKILL') killed.push(point);
      else expect(result.code, result.stderr).toBe(0);
    }
    expect(killed.length).toBeGreaterThanOrEqual(3);
    rig.sim.faults.clear();
    const final = await runSync();
    expect(final.code, final.stderr).toBe(0);

    const database = await rig.open();
    try {
      await expectDatabaseEqualsTruth({ sim: rig.sim, testDb: { database } });
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
