/**
 * npm run bench:sync — backfill 100,000 simulated calls (~3 legs each) with rate limits off into
 * PostgreSQL, then COPY the same rows into identical tables, and print the figures the README quotes.
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server; a fresh
 * database is created and dropped. BENCH_CALLS overrides the call count.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { silentLogger } from '../src/logger.ts';
import { createApp, syncAll } from '../src/main.ts';
import { benchSetup } from './setup.ts';

const calls = Number(process.env.BENCH_CALLS ?? 100_000);
const days = 7;
const bench = await benchSetup(calls, days);
const { config, dbUrl } = bench;

/** The kernel's own high-water mark of this process' resident memory (VmHWM), in bytes. */
const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

try {
  const app = await createApp(config, { logger: silentLogger, rateLimitsEnabled: false });
  console.error('backfilling…');
  const started = performance.now();
  const results = await syncAll(app, { streams: ['extensions', 'call-log'] });
  const elapsedS = (performance.now() - started) / 1000;
  const peak = peakRss();
  const callLog = results.find((r) => r.stream === 'call-log')!;
  if (callLog.outcome !== 'success') throw new Error(`sync failed: ${callLog.error}`);

  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const count = async (table: string) => (await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${table}`))[0]!.n;
  const callRows = await count('calls');
  const legRows = await count('call_legs');
  const minimum = Math.ceil(callRows / 1000);
  const writeRowsPerS = (callRows + legRows) / (callLog.writeMs / 1000);

  console.error('copying the same rows with COPY…');
  // COPY the same rows into identical tables (same columns, indexes and constraints).
  await sql`create table copy_calls (like calls including all)`;
  await sql`create table copy_call_legs (like call_legs including all)`;
  const callsCsv = await copyOut(dbUrl, 'calls');
  const legsCsv = await copyOut(dbUrl, 'call_legs');
  const copyStarted = performance.now();
  await copyIn(sql, 'copy_calls', callsCsv);
  await copyIn(sql, 'copy_call_legs', legsCsv);
  await sql`select 1`; // one connection: this returns only after the COPYs have completed
  const copyS = (performance.now() - copyStarted) / 1000;
  const copyRowsPerS = (callRows + legRows) / copyS;
  await sql.end();
  await app.close();

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`backfill of ${fmt(callRows)} calls and ${fmt(legRows)} legs (${(legRows / callRows).toFixed(1)} a call) from the simulator (rate limits off) into PostgreSQL`);
  console.log(`  elapsed            ${elapsedS.toFixed(1)} s (fetch + parse + write)`);
  console.log(`  calls/s            ${fmt(callRows / elapsedS)}`);
  console.log(`  legs/s             ${fmt(legRows / elapsedS)}`);
  console.log(`  peak RSS           ${(peak / 1024 / 1024).toFixed(0)} MB (target < 256 MB; heap ceiling --max-old-space-size=256 as in bin/callsync.js)`);
  // A backfill reads its period as one window: ⌈records/1000⌉ pages, plus one request for the fast-path token.
  console.log(`  Heavy requests     ${callLog.requests.Heavy} (minimum ⌈records/1000⌉ = ${minimum}; target ≤ ${minimum + 1})`);
  console.log(`  write stage        ${fmt(writeRowsPerS)} rows/s (${(callLog.writeMs / 1000).toFixed(1)} s in page transactions)`);
  console.log(`  plain COPY         ${fmt(copyRowsPerS)} rows/s (${copyS.toFixed(1)} s into identical tables)`);
  console.log(`  write / COPY       ${((writeRowsPerS / copyRowsPerS) * 100).toFixed(0)}% (target ≥ 50%)`);
} finally {
  await bench.close();
}

/** COPY a table out into memory (untimed). A connection of its own each time: postgres.js can stall on a
 * second COPY TO STDOUT over the same connection. */
async function copyOut(url: string, table: string): Promise<Buffer> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await sql.unsafe(`copy ${table} to stdout`).readable()) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } finally {
    await sql.end();
  }
}

async function copyIn(sql: postgres.Sql, table: string, data: Buffer): Promise<void> {
  await pipeline(Readable.from([data]), await sql.unsafe(`copy ${table} from stdin`).writable());
}
