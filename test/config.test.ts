import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { SecretKey } from '../src/secrets/box.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs in demo mode on embedded Postgres with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.ringcentral).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
    expect(config.sync).toMatchObject({ backfillDays: 7, lookbackHours: 24, schedule: '*/5 * * * *', perPage: 1000 });
  });

  it('reads real credentials and defaults the server to RingCentral production', () => {
    const config = loadConfig({ RC_CLIENT_ID: 'id', RC_CLIENT_SECRET: 'secret', RC_JWT: 'jwt', DATABASE_URL: 'postgres://u@h/db' });
    expect(config.ringcentral).toEqual({ serverUrl: 'https://platform.ringcentral.com', clientId: 'id', clientSecret: 'secret', jwt: 'jwt' });
    expect(config.databaseUrl).toBe('postgres://u@h/db');
  });

  it('reports every bad variable at once, one line each, naming it', () => {
    const lines = problems({ SYNC_BACKFILL_DAYS: 'abc', PORT: '99999', SYNC_SCHEDULE: 'nope', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
    expect(lines).toHaveLength(5);
    expect(lines.find((l) => l.startsWith('SYNC_BACKFILL_DAYS:'))).toContain('must be a number');
    expect(lines.find((l) => l.startsWith('PORT:'))).toContain('at most 65535');
    expect(lines.find((l) => l.startsWith('SYNC_SCHEDULE:'))).toContain('cron');
    expect(lines.find((l) => l.startsWith('LOG_LEVEL:'))).toContain('one of');
    expect(lines.find((l) => l.startsWith('DATABASE_URL:'))).toContain('postgres://');
  });

  it('requires the secret and JWT together with the client id', () => {
    expect(problems({ RC_CLIENT_ID: 'id' })).toEqual([
      'RC_CLIENT_SECRET: is required when RC_CLIENT_ID is set',
      'RC_JWT: is required when RC_CLIENT_ID is set',
    ]);
  });

  it('never echoes a secret value back', () => {
    const lines = problems({ DATABASE_URL: 'mysql://user:hunter2@host/db', RC_JWT: 'eyJsecret' });
    expect(lines.join('\n')).not.toContain('hunter2');
    expect(lines.join('\n')).not.toContain('eyJsecret');
  });

  it('defaults the API limits and reads them from the environment', () => {
    expect(loadConfig({}).api).toEqual({ maxDepth: 10, maxCost: 250_000, maxBodyBytes: 100_000, maxResponseBytes: 20_000_000, statementTimeoutMs: 10_000, maxPageSize: 500, requestTimeoutMs: 15_000, poolSize: 5, maxConcurrentPerKey: 4, maxQueuedPerKey: 20 });
    const config = loadConfig({ API_MAX_DEPTH: '12', API_MAX_COST: '200000', API_MAX_BODY_BYTES: '1000000', API_MAX_RESPONSE_BYTES: '5000000', API_STATEMENT_TIMEOUT_MS: '2500', API_MAX_PAGE_SIZE: '1000' });
    expect(config.api).toEqual({ maxDepth: 12, maxCost: 200_000, maxBodyBytes: 1_000_000, maxResponseBytes: 5_000_000, statementTimeoutMs: 2_500, maxPageSize: 1_000, requestTimeoutMs: 7_500, poolSize: 5, maxConcurrentPerKey: 4, maxQueuedPerKey: 20 });
    expect(problems({ API_MAX_COST: '50000', API_MAX_RESPONSE_BYTES: '1000' })).toEqual(['API_MAX_COST: must be at least 150000 (got "50000")', 'API_MAX_RESPONSE_BYTES: must be at least 1000000 (got "1000")']);
  });

  it('reads the API pool, per-key and request-timeout limits, deriving the defaults that depend on others', () => {
    expect(loadConfig({ API_POOL_SIZE: '10', API_MAX_CONCURRENT_PER_KEY: '3', API_MAX_QUEUED_PER_KEY: '0', API_REQUEST_TIMEOUT_MS: '12000' }).api).toMatchObject({ poolSize: 10, maxConcurrentPerKey: 3, maxQueuedPerKey: 0, requestTimeoutMs: 12_000 });
    // One key gets one connection fewer than the pool; a request gets 5 s more than its statements.
    expect(loadConfig({ API_POOL_SIZE: '10', API_STATEMENT_TIMEOUT_MS: '30000' }).api).toMatchObject({ maxConcurrentPerKey: 9, requestTimeoutMs: 35_000 });
    expect(problems({ API_POOL_SIZE: '1', API_MAX_QUEUED_PER_KEY: '-1', API_REQUEST_TIMEOUT_MS: '50' })).toEqual([
      'API_REQUEST_TIMEOUT_MS: must be at least 100 (got "50")',
      'API_POOL_SIZE: must be at least 2 (got "1")',
      'API_MAX_QUEUED_PER_KEY: must be at least 0 (got "-1")',
    ]);
    expect(problems({ API_POOL_SIZE: '5', API_MAX_CONCURRENT_PER_KEY: '5' })).toEqual(['API_MAX_CONCURRENT_PER_KEY: must be below API_POOL_SIZE (5), so that one key can never hold every connection (got "5")']);
    expect(problems({ API_STATEMENT_TIMEOUT_MS: '20000', API_REQUEST_TIMEOUT_MS: '10000' })).toEqual(['API_REQUEST_TIMEOUT_MS: must be at least API_STATEMENT_TIMEOUT_MS (20000): a request runs statements (got "10000")']);
  });

  it('names each bad API limit on its own line', () => {
    const lines = problems({ API_MAX_DEPTH: '3', API_MAX_COST: 'lots', API_MAX_BODY_BYTES: '1.5', API_STATEMENT_TIMEOUT_MS: '0', API_MAX_PAGE_SIZE: '100' });
    expect(lines).toEqual([
      'API_MAX_DEPTH: must be at least 8 (got "3")',
      'API_MAX_COST: must be a number (got "lots")',
      'API_MAX_BODY_BYTES: must be a whole number (got "1.5")',
      'API_STATEMENT_TIMEOUT_MS: must be at least 100 (got "0")',
      // The contract promises pages of at least 500.
      'API_MAX_PAGE_SIZE: must be at least 500 (got "100")',
    ]);
  });

  it('rejects a page size beyond RingCentral maximum', () => {
    expect(problems({ SYNC_PAGE_SIZE: '5000' })[0]).toMatch(/^SYNC_PAGE_SIZE: .*1000/);
  });

  it('listens on 127.0.0.1 unless HOST says otherwise, and takes addresses and hostnames', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    for (const host of ['0.0.0.0', '10.1.2.3', '::', '::1', 'fe80::1', 'localhost', 'api.internal.example.com']) expect(loadConfig({ HOST: host }).host).toBe(host);
  });

  it('names a HOST that is neither an IP address nor a hostname', () => {
    for (const host of ['0.0.0.0:4000', 'http://0.0.0.0', '256.1.1.1', 'bad_host!', 'a..b']) {
      const lines = problems({ HOST: host });
      expect(lines, host).toEqual([`HOST: must be an IP address (e.g. 0.0.0.0 for every interface, 127.0.0.1, ::) or a hostname of this machine (got ${JSON.stringify(host)})`]);
    }
  });

  it('refuses demo mode against a DATABASE_URL, naming the credentials and CALLSYNC_DEMO', () => {
    const lines = problems({ DATABASE_URL: 'postgres://callsync:hunter2@db.internal/callsync' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^DATABASE_URL: is set but RC_CLIENT_ID, RC_CLIENT_SECRET and RC_JWT are not/);
    expect(lines[0]).toContain('CALLSYNC_DEMO=1');
    expect(lines[0]).not.toContain('hunter2');
  });

  it('takes a DATABASE_URL without RC_* for commands whose accounts live in the database (serve, worker, account)', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h/db' }, { accounts: 'none' });
    expect(config).toMatchObject({ demo: false, ringcentral: undefined, databaseUrl: 'postgres://u@h/db' });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', CALLSYNC_DEMO: '1' }, { accounts: 'none' }).demo).toBe(true);
    expect(loadConfig({}, { accounts: 'none' }).demo).toBe(true);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h/db', RC_CLIENT_ID: 'id' }, { accounts: 'none' })).toThrow(/RC_CLIENT_SECRET/);
  });

  it('runs the demo against a DATABASE_URL only with CALLSYNC_DEMO=1', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h/db', CALLSYNC_DEMO: '1' });
    expect(config).toMatchObject({ demo: true, ringcentral: undefined, databaseUrl: 'postgres://u@h/db' });
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ RC_CLIENT_ID: 'id', RC_CLIENT_SECRET: 's', RC_JWT: 'j', DATABASE_URL: 'postgres://u@h/db' }).demo).toBe(false);
  });

  it('refuses half a real configuration and a contradictory CALLSYNC_DEMO', () => {
    expect(problems({ RC_SERVER_URL: 'https://platform.devtest.ringcentral.com' })[0]).toMatch(/^RC_CLIENT_ID: is required when RC_SERVER_URL is set/);
    expect(problems({ RC_CLIENT_ID: 'id', RC_CLIENT_SECRET: 's', RC_JWT: 'j', CALLSYNC_DEMO: '1' })).toEqual([
      'CALLSYNC_DEMO: is 1 (demo mode, simulated calls) but RC_CLIENT_ID is set: unset one of them (got "1")',
    ]);
    expect(problems({ CALLSYNC_DEMO: 'yes' })).toEqual(['CALLSYNC_DEMO: must be 1 (run the demo) or 0 (got "yes")']);
    expect(problems({ DATABASE_URL: 'postgres://u@h/db', CALLSYNC_DEMO: '0' })[0]).toMatch(/^DATABASE_URL: is set but/);
  });
});

describe('loadConfig: the keys that seal stored sessions', () => {
  const key = (fill: number) => Buffer.alloc(32, fill);

  it('reads CALLSYNC_SECRET_KEY (several keys, the first sealing) or a CALLSYNC_SECRET_KEY_FILE', () => {
    expect(loadConfig({}).secretKeys).toBeUndefined();
    const config = loadConfig({ CALLSYNC_SECRET_KEY: `${key(1).toString('base64')},${key(2).toString('hex')}` });
    expect(config.secretKeys?.variable).toBe('CALLSYNC_SECRET_KEY');
    expect(config.secretKeys?.keys.map((k) => k.id)).toEqual([new SecretKey(key(1)).id, new SecretKey(key(2)).id]);
    const dir = mkdtempSync(path.join(tmpdir(), 'callsync-config-'));
    try {
      const file = path.join(dir, 'secret.key');
      writeFileSync(file, `${key(3).toString('base64')}\n`, { mode: 0o600 });
      expect(loadConfig({ CALLSYNC_SECRET_KEY_FILE: file }).secretKeys).toEqual({ variable: 'CALLSYNC_SECRET_KEY_FILE', keys: [new SecretKey(key(3))] });
      expect(problems({ CALLSYNC_SECRET_KEY_FILE: file, CALLSYNC_SECRET_KEY: key(1).toString('base64') })).toEqual([
        `CALLSYNC_SECRET_KEY_FILE: and CALLSYNC_SECRET_KEY are both set: keep one (got ${JSON.stringify(file)})`,
      ]);
      expect(problems({ CALLSYNC_SECRET_KEY_FILE: path.join(dir, 'absent') })[0]).toMatch(/^CALLSYNC_SECRET_KEY_FILE: cannot read .*absent \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed key with the way to make one, never echoing what was given', () => {
    const given = `${key(1).toString('base64')},hunter2-not-a-key`;
    expect(problems({ CALLSYNC_SECRET_KEY: given })).toEqual([
      'CALLSYNC_SECRET_KEY: key 2 of 2 is not 32 bytes in base64 (44 characters) or hex (64 characters) (make one with: openssl rand -base64 32)',
    ]);
    expect(problems({ CALLSYNC_SECRET_KEY: key(1).toString('base64').slice(0, 20) })[0]).not.toContain(key(1).toString('base64').slice(0, 20));
  });
});
