/**
 * npm run bench:fast-path — Heavy requests per pass with the call-log-extract-sync fast path and with the
 * window scan alone, on the same simulated account (seeded: 10,000 calls a day over two days; after the
 * backfill, 5% of records change, 2% arrive late and 0.5% are deleted). Prints a table for the README.
 */
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/logger.ts';
import { createApp, syncAll } from '../src/main.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { openDatabase } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';

const DAY = 86_400_000;
const to = new Date();
const rows: string[] = [];

for (const mode of ['off', 'extract-sync'] as const) {
  const sim = await startSimulator({
    seed: 7, rateLimits: false,
    history: { from: new Date(to.getTime() - 2 * DAY), to, calls: 20_000 },
    late: { heldFraction: 0.02, modifiedFraction: 0.05, deletedFraction: 0.005 },
  });
  const database = await openDatabase({});
  await migrate(database);
  const config = loadConfig({
    RC_SERVER_URL: sim.url, RC_CLIENT_ID: sim.credentials.clientId, RC_CLIENT_SECRET: sim.credentials.clientSecret, RC_JWT: sim.credentials.jwt,
    SYNC_BACKFILL_DAYS: '3', SYNC_LOOKBACK_HOURS: '24', SYNC_FAST_PATH: mode, LOG_LEVEL: 'silent',
  });
  const app = await createApp(config, { logger: silentLogger, rateLimitsEnabled: false, database });
  const heavy = async () => (await syncAll(app)).find((r) => r.stream === 'call-log')!.requests.Heavy;
  const backfill = await heavy();
  sim.release();
  const afterChanges = await heavy();
  const quiet = await heavy();
  const truth = sim.truth();
  const [stored] = await database.query<{ n: number }>(sql`select count(*)::int as n from calls c where c.raw->>'lastModifiedTime' = any(${sql.param(truth.calls.map((t) => String(t.record.lastModifiedTime)))}::text[])`);
  rows.push(`| ${mode === 'off' ? 'window scan only' : 'extract-sync fast path'} | ${backfill} | ${afterChanges} | ${quiet} | ${stored!.n} of ${truth.calls.length} |`);
  await app.close();
  await database.close();
  await sim.close();
}

console.log('Heavy requests per call-log pass (20,000 calls over 2 days, SYNC_LOOKBACK_HOURS=24):\n');
console.log('| mode | backfill | pass after changes | quiet pass | records equal to RingCentral after the passes |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);
