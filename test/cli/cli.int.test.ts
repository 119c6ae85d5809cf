import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApi } from '../../src/cli/commands/api.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { runCommandInProcess, spawnCli, startCliRig, type CliRig } from '../helpers/cli.ts';
import { history } from '../helpers/harness.ts';

let rig: CliRig;
let sim: Simulator;
let env: Record<string, string>;
let dbUrl: string | undefined;

beforeAll(async () => {
  rig = await startCliRig({ seed: 41, history: history(120, 2, 30 * 60_000) }, { SYNC_BACKFILL_DAYS: '3', LOG_LEVEL: 'silent' });
  ({ sim, env, dbUrl } = rig);
});

afterAll(() => rig?.close());

/** Runs the CLI in a child process, from the sources. */
const run = (args: string[], extraEnv: Record<string, string> = {}) => spawnCli(args, { ...env, ...extraEnv });

/** Runs an `api-key` subcommand's action in this process: the same code without starting Node and tsx again. */
const apiKey = (...args: string[]) => runCommandInProcess(registerApi, ['api-key', ...args], env);

describe('callsync CLI', () => {
  it('sync: one pass over all streams, exit 0, one summary line per stream', async () => {
    const result = await run(['sync']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^extensions: success; \d+ new/m);
    expect(result.stdout).toMatch(/^call-log: success; 120 new, 0 updated, \d+ unchanged; requests Heavy \d+; 429s 0$/m);
  });

  it('status: shows each stream with its last success, synced-through and the last run', async () => {
    const result = await run(['status']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`account ${sim.accountId}`);
    expect(result.stdout).toMatch(/call-log\n\s+last success\s+\d{4}-/);
    expect(result.stdout).toMatch(/last run\s+success at .*; requests Heavy \d+.*; 429s 0/);
  });

  it('rederive --dry-run on an unchanged database reports zero changes', async () => {
    const result = await run(['rederive', '--dry-run']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^account \d+: 120 calls, \d+ voicemails in [\d.]+ s \(dry run: nothing written\)$/m);
    for (const part of ['links', 'dispositions', 'callbacks']) expect(result.stdout).toMatch(new RegExp(`^  ${part} +0 would be added, 0 would change, \\d+ unchanged$`, 'm'));
  });

  // One process for the wiring (bin → commander → api-key create → stdout, exit code); the rest of the key's
  // life runs the same command actions in this process, against the same database.
  it('api-key create prints the new key once, as the last line; list shows it without the key; revoke ends it', async () => {
    const created = await run(['api-key', 'create', '--name', 'hubspot']);
    expect(created.status, created.stderr).toBe(0);
    const key = created.stdout.trim().split('\n').at(-1)!;
    expect(key).toMatch(/^cs_[\w-]{40,}$/);
    const listed = await apiKey('list');
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^hubspot\tcs_/m);
    expect(listed.stdout).not.toContain(key);
    const duplicate = await apiKey('create', '--name', 'hubspot');
    expect(duplicate.status).toBe(2);
    expect(duplicate.stderr).toContain('an active API key named "hubspot" already exists');
    expect((await apiKey('revoke', 'hubspot')).status).toBe(0);
    expect((await apiKey('list')).stdout).toMatch(/^hubspot\t.*revoked/m);
    // Rotating: the revoked key's name goes to a new key, which is active and differs from the old one.
    const rotated = await apiKey('create', '--name', 'hubspot');
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(rotated.stdout.trim().split('\n').at(-1)).toMatch(/^cs_[\w-]{40,}$/);
    expect(rotated.stdout.trim().split('\n').at(-1)).not.toBe(key);
    expect((await apiKey('list')).stdout).not.toMatch(/^hubspot\t.*revoked/m);
  });

  it('a bad environment variable stops with exit 2 and a line naming it', async () => {
    const result = await run(['sync'], { SYNC_LOOKBACK_HOURS: 'soon' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('SYNC_LOOKBACK_HOURS: must be a number (got "soon")');
  });

  it('a bad flag stops with exit 2 and names the flag', async () => {
    const result = await run(['backfill', '--from', 'last tuesday']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--from must be a date like 2026-11-01');
  });

  it('a sync that fails exits non-zero with RingCentral error code in the message', async () => {
    const result = await run(['sync'], { RC_JWT: 'not-the-jwt', CALLSYNC_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'callsync-cli-bad-')), ...(dbUrl ? { DATABASE_URL: dbUrl } : {}) });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/HTTP 400 OAU-140: RingCentral refused the JWT \(invalid_grant: .*\): RC_JWT is wrong, expired or revoked.* set RC_JWT$/m);
    expect(result.stderr).not.toContain('not-the-jwt');
  });

  it('backfill: reads a past period and reports it', async () => {
    const from = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const result = await run(['backfill', '--from', from]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^call-log-backfill: success; 0 new, 0 updated, 120 unchanged/m);
  });
});
