/**
 * npm run bench:rederive — a full rederive (links, dispositions, callbacks) of 100,000 calls from stored
 * data, in PostgreSQL. The calls (and their voicemails) are first synced from the simulator in its own
 * process. Target: under a minute. BENCH_DATABASE_URL and BENCH_CALLS as for bench:sync.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { silentLogger } from '../src/logger.ts';
import { createApp, syncAll } from '../src/main.ts';
import { deriveAll } from '../src/sync/derive.ts';
import { benchSetup } from './setup.ts';

const calls = Number(process.env.BENCH_CALLS ?? 100_000);
const bench = await benchSetup(calls, 7);
const { config } = bench;

try {
  const app = await createApp(config, { logger: silentLogger, rateLimitsEnabled: false });
  console.error('syncing the simulated account…');
  for (const r of await syncAll(app)) if (r.outcome !== 'success') throw new Error(`${r.stream}: ${r.error}`);
  const [counts] = await app.database.query<{ calls: number; voicemails: number }>(sql`select (select count(*)::int from calls) as calls, (select count(*)::int from voicemails) as voicemails`);
  const run = async (dryRun: boolean) => {
    const started = performance.now();
    const summary = await deriveAll({ database: app.database, accountId: app.accountId, settings: config.derive, logger: silentLogger, now: new Date(), dryRun, transaction: (fn) => app.database.db.transaction(fn) });
    return { seconds: (performance.now() - started) / 1000, summary };
  };
  const full = await run(false);
  const dry = await run(true);
  console.log(`rederive of ${counts!.calls.toLocaleString('en-US')} calls and ${counts!.voicemails.toLocaleString('en-US')} voicemails (PostgreSQL)`);
  console.log(`  full rederive        ${full.seconds.toFixed(1)} s (target < 60 s); dispositions changed ${full.summary.dispositions.updated + full.summary.dispositions.inserted}`);
  const peakMb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
  console.log(`  peak RSS             ${peakMb.toFixed(0)} MB (sync of calls and voicemails, then both rederives)`);
  console.log(`  dry run, unchanged   ${dry.seconds.toFixed(1)} s; would change: links ${dry.summary.links.updated + dry.summary.links.inserted}, dispositions ${dry.summary.dispositions.updated + dry.summary.dispositions.inserted}, callbacks ${dry.summary.callbacks.updated + dry.summary.callbacks.inserted}`);
  await app.close();
} finally {
  await bench.close();
}
