import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCallLogCursor } from '../../src/sync/call-log-cursor.ts';
import { startCrashRig, type CrashRig } from '../helpers/crash-rig.ts';
import { databaseKind } from '../helpers/database.ts';
import { expectDatabaseEqualsTruth, history } from '../helpers/harness.ts';

const PER_PAGE = 25;
const FROM = new Date(Date.now() - 4 * 86_400_000).toISOString();

let rig: CrashRig;

beforeAll(async () => {
  rig = await startCrashRig({ seed: 32, history: history(500, 3) }, { SYNC_PAGE_SIZE: String(PER_PAGE) });
});

afterAll(() => rig?.close());

/** `callsync backfill --from FROM` (no --to: a re-run resumes), SIGKILLed once the simulator served `killAfterHeavy` more Heavy requests. */
const runBackfill = (killAfterHeavy?: number) => rig.run(['backfill', '--from', FROM], killAfterHeavy);

describe(`a backfill killed mid-way resumes where it stopped, losing nothing (${databaseKind})`, () => {
  it('survives SIGKILL at several points; re-running the same command resumes rather than starting over', async () => {
    rig.sim.faults.set({ slow: { ms: 40, group: 'Heavy' } });
    const killed: number[] = [];
    for (const point of [2, 5, 9]) {
      const result = await runBackfill(point);
      if (result.signal === 'SIGKILL') killed.push(point);
      else expect(result.code, result.stderr).toBe(0);
    }
    expect(killed.length).toBeGreaterThanOrEqual(2);
    rig.sim.faults.clear();
    const final = await runBackfill();
    expect(final.code, final.stderr.slice(-2000)).toBe(0);

    const pages = Math.ceil(rig.sim.truth().calls.length / PER_PAGE);
    // Each kill loses at most the page in flight; starting over would have cost the pages read before it again.
    expect(rig.sim.stats().requests.Heavy).toBeLessThanOrEqual(pages + killed.length);
    const database = await rig.open();
    try {
      await expectDatabaseEqualsTruth({ sim: rig.sim, testDb: { database } });
      const [state] = await database.query<{ cursor: unknown }>(sql`select cursor from sync_state where stream = 'call-log-backfill'`);
      const cursor = parseCallLogCursor(state!.cursor);
      expect(cursor.scan).toBeUndefined();
      expect(cursor.covered?.from).toBe(FROM);
    } finally {
      await database.close();
    }
  }, 180_000);
});
