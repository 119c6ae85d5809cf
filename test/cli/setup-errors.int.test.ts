import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStatus } from '../../src/cli/commands/status.ts';
import type { StatusFacts } from '../../src/sync/status-facts.ts';
import { SetupError } from '../../src/errors.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { sourceCliArgs, startCliRig, type CliRig } from '../helpers/cli.ts';
import { openDatabase } from '../../src/store/db.ts';
import { testServerUrl } from '../helpers/database.ts';
import { history } from '../helpers/harness.ts';

// What a new user meets when something outside callsync is wrong: one line naming what to fix, a non-zero
// exit, never a secret, and never minutes of retries for a target that refuses the connection.

const SECRET = 'sim-client-secret';
let rig: CliRig;
let sim: Simulator;
let env: Record<string, string>;
/** A port nothing listens on: taken from the OS, then closed. */
let closedPort: number;

beforeAll(async () => {
  // Warnings show: a retry loop would log "retrying".
  rig = await startCliRig({ seed: 43, history: history(60, 2, 30 * 60_000) }, { SYNC_BACKFILL_DAYS: '3', LOG_LEVEL: 'warn', PORT: '0' });
  ({ sim, env } = rig);
  closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
});

afterAll(() => rig?.close());

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in a child process (asynchronously: the simulator lives in this process). */
function run(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<Outcome> {
  const merged = Object.fromEntries(Object.entries({ ...env, ...extraEnv }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const child = spawn(process.execPath, sourceCliArgs(args), { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // 'close', not 'exit': the output may still be in the pipes when the process has exited.
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

/** The one line a failed command prints; no stack, no doubled cause, nothing secret. */
function failureLine(result: Outcome, secrets: string[] = [SECRET, 'sim-jwt']): string {
  expect(result.status, result.stderr).not.toBe(0);
  expect(result.stdout).not.toMatch(/retrying/);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  const [line] = lines as [string];
  expect(line).toMatch(/^callsync: /);
  expect(line).not.toContain('HTTP -');
  for (const secret of secrets) expect(line).not.toContain(secret);
  return line;
}

describe('database errors name DATABASE_URL and what to check', () => {
  const real = { RC_CLIENT_ID: 'id', RC_CLIENT_SECRET: SECRET, RC_JWT: 'sim-jwt' };

  it('refused: is PostgreSQL running at host:port?', async () => {
    const line = failureLine(await run(['status'], { ...real, DATABASE_URL: `postgres://callsync:pw-s3cret@127.0.0.1:${closedPort}/callsync` }), ['pw-s3cret']);
    expect(line).toBe(`callsync: cannot connect to the database at 127.0.0.1:${closedPort}: connection refused. Is PostgreSQL running at 127.0.0.1:${closedPort}? Check DATABASE_URL`);
  });

  it('unknown host', async () => {
    const line = failureLine(await run(['sync'], { ...real, DATABASE_URL: 'postgres://callsync:pw-s3cret@db.invalid/callsync' }), ['pw-s3cret']);
    expect(line).toBe('callsync: cannot connect to the database: the host "db.invalid" cannot be resolved (DNS found no such name); check DATABASE_URL');
  });

  if (testServerUrl) {
    it('a database that does not exist on the server (3D000)', async () => {
      const url = Object.assign(new URL(testServerUrl!), { pathname: '/callsync_no_such_database' }).toString();
      const { hostname, port } = new URL(url);
      const line = failureLine(await run(['migrate'], { ...real, DATABASE_URL: url }));
      expect(line).toBe(`callsync: the database "callsync_no_such_database" does not exist on PostgreSQL at ${hostname}:${port || '5432'}: create it (createdb -h ${hostname} callsync_no_such_database) or name an existing one; check DATABASE_URL`);
    });
  }

  it('a password the server refuses (28P01), from a server speaking the PostgreSQL protocol', async () => {
    const server = await refusingPostgres('28P01', 'password authentication failed for user "callsync"');
    try {
      const url = `postgres://callsync:pw-s3cret@127.0.0.1:${server.port}/callsync`;
      const error = await openDatabase({ url }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(SetupError);
      expect((error as SetupError).variables).toEqual(['DATABASE_URL']);
      expect((error as Error).message).toBe(`PostgreSQL at 127.0.0.1:${server.port} refused the password of user "callsync" (28P01 password authentication failed); check DATABASE_URL`);
      const missing = await refusingPostgres('3D000', 'database "callsync" does not exist');
      try {
        const e2 = await openDatabase({ url: `postgres://callsync@127.0.0.1:${missing.port}/callsync` }).then(() => undefined, (e: unknown) => e);
        expect((e2 as Error).message).toMatch(/^the database "callsync" does not exist on PostgreSQL at 127\.0\.0\.1:\d+: create it/);
      } finally {
        missing.server.close();
      }
    } finally {
      server.server.close();
    }
  });
});

describe('RingCentral login errors name the variable to fix', () => {
  it('a wrong client secret: invalid_client names RC_CLIENT_ID and RC_CLIENT_SECRET, never the secret', async () => {
    const line = failureLine(await run(['sync'], { RC_CLIENT_SECRET: 'wrong-s3cret' }), ['wrong-s3cret', SECRET]);
    expect(line).toMatch(/^callsync: HTTP 401 OAU-\d+: RingCentral refused the app's credentials \(invalid_client\): check RC_CLIENT_ID and RC_CLIENT_SECRET/);
  });

  it('a wrong JWT: invalid_grant names RC_JWT, never the JWT', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3cm9uZyJ9.c2lnbmF0dXJl';
    const line = failureLine(await run(['sync'], { RC_JWT: jwt }), [jwt, 'eyJ']);
    expect(line).toMatch(/^callsync: HTTP 400 OAU-\d+: RingCentral refused the JWT \(invalid_grant: [^)]*\): RC_JWT is wrong, expired or revoked/);
    expect(line).toContain('set RC_JWT');
  });

  it('a closed RC_SERVER_URL fails at once, naming it, the cause said once', async () => {
    const line = failureLine(await run(['sync'], { RC_SERVER_URL: `http://127.0.0.1:${closedPort}` }));
    expect(line).toBe(`callsync: cannot reach RingCentral at http://127.0.0.1:${closedPort}: connection refused; check RC_SERVER_URL`);
  });

  it('an RC_SERVER_URL host that does not resolve fails at once, naming it', async () => {
    const line = failureLine(await run(['sync'], { RC_SERVER_URL: 'https://platform.ringcentral.invalid' }));
    expect(line).toBe('callsync: cannot reach RingCentral: the host "platform.ringcentral.invalid" cannot be resolved (DNS found no such name); check RC_SERVER_URL');
  });
});

describe('configuration', () => {
  it('DATABASE_URL without RingCentral credentials is refused (exit 2) instead of filling it with demo data', async () => {
    const result = await run(['start'], { DATABASE_URL: 'postgres://callsync:pw-s3cret@127.0.0.1:5432/callsync', RC_CLIENT_ID: undefined, RC_CLIENT_SECRET: undefined, RC_JWT: undefined, RC_SERVER_URL: undefined });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('DATABASE_URL: is set but RC_CLIENT_ID, RC_CLIENT_SECRET and RC_JWT are not');
    expect(result.stderr).toContain('CALLSYNC_DEMO=1');
    expect(result.stderr).not.toContain('pw-s3cret');
    expect(result.stdout).not.toContain('Demo API key');
  });

  it('a bad HOST is a configuration error naming it', async () => {
    const result = await run(['serve'], { HOST: 'http://0.0.0.0' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('HOST: must be an IP address');
  });
});

describe('serve and start stop with the message when the API cannot listen', () => {
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    // serve never migrates: it would refuse the empty database before trying to listen.
    const migrated = await run(['migrate']);
    expect(migrated.status, migrated.stderr).toBe(0);
    busy = createServer();
    busyPort = await new Promise<number>((resolve) => busy.listen(0, '127.0.0.1', () => resolve((busy.address() as { port: number }).port)));
  });
  afterAll(() => void busy.close());

  for (const command of ['serve', 'start']) {
    it(`${command}: a port in use exits 1 naming PORT`, async () => {
      const line = failureLine(await run([command], { PORT: String(busyPort) }));
      expect(line).toBe(`callsync: the API cannot listen on 127.0.0.1:${busyPort}: the port is already in use (another callsync or another program); stop it or set PORT to a free port`);
    });
  }

  it('serve: a HOST that is not an address of this machine exits 1 naming HOST', async () => {
    // 192.0.2.0/24 is TEST-NET-1: documentation only, never a local address.
    const line = failureLine(await run(['serve'], { HOST: '192.0.2.1' }));
    expect(line).toMatch(/^callsync: the API cannot listen on 192\.0\.2\.1:0: 192\.0\.2\.1 is not an address of this machine; set HOST/);
  });
});

describe('--version and status --json', () => {
  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const result = await run(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });

  it('status --json holds the same facts as the text report', async () => {
    const synced = await run(['sync']);
    expect(synced.status, synced.stderr).toBe(0);
    // One after the other: an embedded database is one process's at a time.
    const text = await run(['status']);
    const json = await run(['status', '--json']);
    expect(json.status, json.stderr).toBe(0);
    const facts = JSON.parse(json.stdout) as StatusFacts;
    // The text is rendered from these facts and nothing else: the JSON loses nothing the text says.
    expect(renderStatus(facts)).toBe(text.stdout);
    const account = facts.accounts[0]!;
    expect(account.id).toBe(sim.accountId);
    const callLog = account.streams.find((s) => s.stream === 'call-log')!;
    expect(callLog.rowsWritten).toBe(60);
    expect(callLog.lastRun).toMatchObject({ outcome: 'success', rateLimited: 0 });
    expect(callLog.lastRun!.requests.Heavy).toBeGreaterThan(0);
    expect(callLog.fastPath?.state).toBe('on');
    expect(Date.parse(callLog.lastSuccessAt!)).not.toBeNaN();
    expect(account.mailboxes!.total).toBeGreaterThan(0);
  });
});

/**
 * A TCP server answering every connection's startup message with a PostgreSQL ErrorResponse of `code`: what
 * a server refusing a password or naming a missing database sends (the local test server trusts everyone).
 */
async function refusingPostgres(code: string, message: string): Promise<{ server: Server; port: number }> {
  const field = (type: string, value: string) => Buffer.concat([Buffer.from(type), Buffer.from(value), Buffer.from([0])]);
  const fields = Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', message), Buffer.from([0])]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(fields.length + 4);
  const packet = Buffer.concat([Buffer.from('E'), length, fields]);
  const server = createServer((socket) => socket.once('data', () => socket.end(packet)));
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  return { server, port };
}
