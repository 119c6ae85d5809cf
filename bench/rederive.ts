/**
 * npm run bench:rederive — a full rederive (links, dispositions, callbacks) of 100,000 calls from stored
 * data, in PostgreSQL. The calls (and their voicemails) are first synced from the simulator in its own
 * process. Target: under a minute. BENCH_DATABASE_URL and BENCH_CALLS as for bench:sync.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/logger.ts';
import { createApp, syncAll } from '../src/main.ts';
import { deriveAll } from '../src/sync/derive.ts';

const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const calls = Number(process.env.BENCH_CALLS ?? 100_000);
const days = 7;

const sim = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'simulator', '--port', '0', '--calls', String(calls), '--days', String(days), '--live-rate', '0', '--no-rate-limits', '--profile', 'contact-center'], { stdio: ['ignore', 'pipe', 'inherit'] });
const simInfo = await new Promise<{ url: string; clientId: string; clientSecret: string; jwt: string }>((resolve, reject) => {
  sim.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  createInterface({ input: sim.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) resolve(JSON.parse(line));
  });
});
const dbName = `callsync_bench_${Date.now()}`;
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
const dbUrl = Object.assign(new URL(serverUrl), { pathname: `/${dbName}` }).toString();

try {
  const config = loadConfig({
    DATABASE_URL: dbUrl, RC_SERVER_URL: simInfo.url, RC_CLIENT_ID: simInfo.clientId, RC_CLIENT_SECRET: simInfo.clientSecret, RC_JWT: simInfo.jwt,
    SYNC_BACKFILL_DAYS: String(days + 1), SYNC_FAST_PATH: 'off', LOG_LEVEL: 'silent',
  });
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
  console.log(`  dry run, unchanged   ${dry.seconds.toFixed(1)} s; would change: links ${dry.summary.links.updated + dry.summary.links.inserted}, dispositions ${dry.summary.dispositions.updated + dry.summary.dispositions.inserted}, callbacks ${dry.summary.callbacks.updated + dry.summary.callbacks.inserted}`);
  await app.close();
} finally {
  sim.kill('SIGTERM');
  await once(sim, 'exit').catch(() => undefined);
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
