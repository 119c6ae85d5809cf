import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { openDatabase } from '../../src/store/db.ts';
import { sourceCliArgs } from '../helpers/cli.ts';
import { createEmptyPostgresDatabase, dropPostgresDatabase, testServerUrl } from '../helpers/database.ts';
import { history } from '../helpers/harness.ts';

let sim: Simulator;
let dataDir: string;
let dbUrl: string | undefined;

beforeAll(async () => {
  sim = await startSimulator({ seed: 51, history: history(600, 3), rateLimits: false });
  dataDir = mkdtempSync(path.join(tmpdir(), 'callsync-start-'));
  if (testServerUrl) dbUrl = await createEmptyPostgresDatabase();
});

afterAll(async () => {
  await sim?.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (dbUrl) await dropPostgresDatabase(dbUrl);
});

describe('callsync start', () => {
  it('syncs at once, and on SIGTERM finishes the current page and exits 0', async () => {
    // Slow pages so that SIGTERM lands in the middle of the first pass.
    sim.faults.set({ slow: { ms: 150, group: 'Heavy' } });
    const child = spawn(process.execPath, sourceCliArgs(['start']), {
      env: {
        PATH: process.env.PATH!, CALLSYNC_DATA_DIR: dataDir, RC_SERVER_URL: sim.url, RC_CLIENT_ID: sim.credentials.clientId,
        RC_CLIENT_SECRET: sim.credentials.clientSecret, RC_JWT: sim.credentials.jwt, SYNC_BACKFILL_DAYS: '4', SYNC_PAGE_SIZE: '20',
        SYNC_SCHEDULE: '0 0 1 1 *', LOG_LEVEL: 'info', PORT: '0', ...(dbUrl ? { DATABASE_URL: dbUrl } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const heavyAtStart = sim.stats().requests.Heavy;
    while (sim.stats().requests.Heavy - heavyAtStart < 5) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    sim.faults.clear();
    expect(code, out).toBe(0);
    expect(out).toContain('finishing the current page');
    expect(out).toContain('stopped cleanly');
    const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; outcome?: string });
    expect(lines.some((l) => l.msg.startsWith('call-log: aborted'))).toBe(true);

    // The run is recorded as aborted, and the checkpoint says where the next run resumes.
    const database = await openDatabase({ url: dbUrl, dataDir: dbUrl ? undefined : path.join(dataDir, 'pgdata') });
    try {
      const [run] = await database.query<{ outcome: string; inserted: number }>(sql`select outcome, inserted from sync_runs where stream = 'call-log' order by id desc limit 1`);
      expect(run!.outcome).toBe('aborted');
      const [state] = await database.query<{ cursor: { page: number } | null }>(sql`select cursor from sync_state where stream = 'call-log'`);
      expect(state!.cursor).not.toBeNull();
      const [stored] = await database.query<{ n: number }>(sql`select count(*)::int as n from calls`);
      expect(stored!.n).toBeGreaterThan(0);
      // Every committed page is counted in its run: the page in flight at SIGTERM was finished, not torn.
      expect(stored!.n).toBe(run!.inserted);
    } finally {
      await database.close();
    }
  });

  it('in demo mode (no configuration) serves the API and prints a key with a curl that works as pasted', async () => {
    const demoDir = mkdtempSync(path.join(tmpdir(), 'callsync-demo-'));
    const child = spawn(process.execPath, sourceCliArgs(['start']), {
      env: { PATH: process.env.PATH!, CALLSYNC_DATA_DIR: demoDir, PORT: '0', LOG_LEVEL: 'warn', SYNC_SCHEDULE: '0 0 1 1 *' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    try {
      // Until it prints the curl line (or dies): a fixed deadline failed machines slower than the one it was set on.
      await new Promise<void>((resolve) => {
        const ready = () => /^Try: (curl .*)$/m.test(out) && resolve();
        child.stdout!.on('data', ready);
        child.stderr!.on('data', ready);
        child.on('close', () => resolve());
      });
      const curl = /^Try: (curl .*)$/m.exec(out)?.[1];
      expect(curl, out).toBeDefined();
      expect(out).toMatch(/Demo API key \(shown once\): cs_\S+/);
      const body = await new Promise<string>((resolve, reject) =>
        execFile('bash', ['-c', curl!], (error, stdout) => (error ? reject(error) : resolve(stdout))));
      const answer = JSON.parse(body) as { data?: { calls: { edges: unknown[] } }; errors?: unknown };
      expect(answer.errors).toBeUndefined();
      expect(Array.isArray(answer.data?.calls.edges)).toBe(true);
      // The operator's pages work in demo mode with the printed key: /metrics and /status.
      const key = /Demo API key \(shown once\): (cs_\S+)/.exec(out)![1]!;
      const base = /curl -s (http:\/\/\S+)\/graphql/.exec(curl!)![1]!;
      const auth = { authorization: `Bearer ${key}` };
      const metrics = await fetch(`${base}/metrics`, { headers: auth });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^callsync_stream_metrics_up 1$/m);
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const status = await fetch(`${base}/status`, { headers: auth });
      expect(status.status).toBe(200);
      expect(status.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await status.text()).toContain('call-log');
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(demoDir, { recursive: true, force: true });
    }
  });
});
