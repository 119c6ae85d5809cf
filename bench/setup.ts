import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import postgres from 'postgres';
import { loadConfig, type Config } from '../src/config.ts';

/**
 * What every benchmark needs: the simulator with `calls` calls over `days` days (contact-center mix, rate
 * limits off) in a process of its own, so the benchmark's memory is callsync's alone; a fresh database
 * on BENCH_DATABASE_URL's server; and a config pointing at both. `close()` stops and drops them.
 */
export async function benchSetup(calls: number, days: number): Promise<{ config: Config; dbUrl: string; close(): Promise<void> }> {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const sim = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'simulator', '--port', '0', '--calls', String(calls), '--days', String(days), '--live-rate', '0', '--no-rate-limits', '--profile', 'contact-center'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const simInfo = await new Promise<{ url: string; clientId: string; clientSecret: string; jwt: string }>((resolve, reject) => {
    sim.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    createInterface({ input: sim.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line));
    });
  });
  console.error(`simulator ready at ${simInfo.url} with ${calls} calls`);
  const dbName = `callsync_bench_${Date.now()}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const dbUrl = Object.assign(new URL(serverUrl), { pathname: `/${dbName}` }).toString();
  const config = loadConfig({
    DATABASE_URL: dbUrl, RC_SERVER_URL: simInfo.url, RC_CLIENT_ID: simInfo.clientId, RC_CLIENT_SECRET: simInfo.clientSecret, RC_JWT: simInfo.jwt,
    SYNC_BACKFILL_DAYS: String(days + 1), SYNC_FAST_PATH: 'off', LOG_LEVEL: 'silent',
  });
  return {
    config,
    dbUrl,
    async close() {
      sim.kill('SIGTERM');
      await once(sim, 'exit').catch(() => undefined);
      await admin.unsafe(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    },
  };
}
