import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openManagedAccount } from '../../src/store/managed-accounts.ts';
import { loadConfig } from '../../src/config.ts';
import { UsageError } from '../../src/errors.ts';
import { silentLogger } from '../../src/logger.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { credentialKey } from '../../src/main.ts';
import { accountsKeyring } from '../../src/secrets/keys.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { databaseKind, testServerUrl } from '../helpers/database.ts';
import { history } from '../helpers/harness.ts';
import { addFlags, dumpTables, newSecretKey, startAccountsRig, type AccountsRig } from './rig.ts';

/*
 * `callsync account add|list|set|remove` against two simulated RingCentral accounts, on one database: the
 * commands run in this process (standard input once in a child), and the test reads the database between them.
 */

let rig: AccountsRig;
let alpha: Simulator;
let beta: Simulator;

beforeAll(async () => {
  rig = await startAccountsRig([{ seed: 501, history: history(0) }, { seed: 502, history: history(0) }]);
  [alpha, beta] = rig.sims as [Simulator, Simulator];
  expect(alpha.accountId).not.toBe(beta.accountId);
}, 60_000);

afterAll(() => rig?.close());

const secrets = () => rig.sims.flatMap((s) => [s.credentials.clientSecret, s.credentials.jwt]);
const keyOf = (sim: Simulator, serverUrl = sim.url) => credentialKey({ serverUrl, ...sim.credentials });
const rows = <T>(statement: ReturnType<typeof sql>) => rig.withDb((d) => d.query<T>(statement));
const listJson = async (env: Record<string, string> = {}) => {
  const listed = await rig.account(['list', '--json'], env);
  expect(listed.status, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as Array<Record<string, any>>;
};

describe(`callsync account (${databaseKind})`, () => {
  it('add reads the secrets from files, checks them with RingCentral and stores the account with its id, its session kept', async () => {
    const added = await rig.account([...addFlags(rig, alpha, 'alpha'), '--backfill-days', '30']);
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    expect(added.stdout).toBe(
      `added account "alpha": RingCentral account ${alpha.accountId} (RingCentral) at ${alpha.url}, client id ${alpha.credentials.clientId}\n`
        + '  schedule */5 * * * * (default), backfill 30 days, sweep every 6 hours (default)\n',
    );
    const [row] = await rows<{ account_id: string; credential_key: string; backfill_days: number; schedule: string | null }>(sql`select * from managed_accounts`);
    expect(row).toMatchObject({ account_id: alpha.accountId, credential_key: keyOf(alpha), backfill_days: 30, schedule: null });
    // The login of the check is the session a worker takes over: stored under the account's credential key.
    const sessions = await rows<{ credential_key: string }>(sql`select credential_key from auth_sessions`);
    expect(sessions.map((s) => s.credential_key)).toEqual([keyOf(alpha)]);
    expect(await rows(sql`select id from accounts`)).toEqual([{ id: alpha.accountId }]);
    // A key made the way single-account deployments make them (no --account): it reads the sole account.
    await rig.withDb((d) => createApiKey(d.db, 'made-before-beta'));
  });

  it('add reads a secret from standard input (a child process)', async () => {
    const flags = addFlags(rig, beta, 'beta');
    flags[flags.indexOf('--jwt-file') + 1] = '-';
    const added = await rig.spawnAccount([...flags, '--schedule', '0 * * * *'], `  ${beta.credentials.jwt}\n\n`);
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    expect(added.stdout).toContain(`added account "beta": RingCentral account ${beta.accountId}`);
    const [row] = await rows<{ account_id: string; schedule: string }>(sql`select account_id, schedule from managed_accounts where name = 'beta'`);
    expect(row).toEqual({ account_id: beta.accountId, schedule: '0 * * * *' });
    // The key made without --account keeps reading alpha, the account it was made for, rather than being
    // refused (or reading beta too) now that the database holds two.
    expect(added.stdout).toContain(`1 API key(s) made without --account now read account ${alpha.accountId} only`);
    expect(await rows(sql`select name, account_ids from api_keys`)).toEqual([{ name: 'made-before-beta', account_ids: [alpha.accountId] }]);
  }, 60_000);

  it('list shows each account with its effective settings, and no secret is in its output nor in any row of the database', async () => {
    const text = await rig.account(['list']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^NAME +RC ACCOUNT +COMPANY +SERVER +CLIENT ID +SCHEDULE +BACKFILL DAYS +SWEEP HOURS +CREATED$/m);
    expect(text.stdout).toMatch(new RegExp(`^alpha +${alpha.accountId} +RingCentral +http://127\\.0\\.0\\.1:\\d+ +${alpha.credentials.clientId} +\\*/5 \\* \\* \\* \\* \\(default\\) +30 +6 \\(default\\) +\\d{4}-`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^beta +${beta.accountId} +.* +0 \\* \\* \\* \\* +7 \\(default\\) +6 \\(default\\)`, 'm'));
    const json = await listJson();
    expect(json.map((a) => [a.name, a.accountId, a.companyName, a.serverUrl, a.clientId])).toEqual([
      ['alpha', alpha.accountId, 'RingCentral', alpha.url, alpha.credentials.clientId],
      ['beta', beta.accountId, 'RingCentral', beta.url, beta.credentials.clientId],
    ]);
    expect(json[0]!.settings).toEqual({ schedule: { value: '*/5 * * * *', isDefault: true }, backfillDays: { value: 30, isDefault: false }, sweepHours: { value: 6, isDefault: true } });
    expect(json.map((a) => a.credentials)).toEqual([{ status: 'ok' }, { status: 'ok' }]);

    const dump = await rig.withDb(dumpTables);
    const everything = Object.values(dump).flat().join('\n');
    expect(everything).toContain(alpha.accountId);
    expect(dump['public.managed_accounts']!.join()).toMatch(/"sealed_credentials":"v1\./);
    for (const secret of secrets()) {
      expect(secret.length).toBeGreaterThan(10);
      expect(everything).not.toContain(secret);
      for (const output of rig.outputs) expect(output).not.toContain(secret);
    }
  });

  it('refused credentials give RingCentral\'s error in terms of the flags, and store nothing', async () => {
    const before = await rig.withDb(dumpTables);
    // Another URL of the same server, so that the credentials are not alpha's own (refused before any login).
    const badSecret = await rig.account(addFlags(rig, alpha, 'gamma', { clientSecret: 'not-the-secret', serverUrl: alpha.url.replace('127.0.0.1', 'localhost') }));
    expect(badSecret.status).toBe(1);
    expect(badSecret.stderr).toMatch(/^callsync: HTTP 401 OAU-123: RingCentral refused the app's credentials \(invalid_client\): check --client-id and --client-secret-file/);
    const badJwt = await rig.account(addFlags(rig, alpha, 'gamma', { jwt: 'not-the-jwt' }));
    expect(badJwt.status).toBe(1);
    expect(badJwt.stderr).toMatch(/^callsync: HTTP 400 OAU-140: RingCentral refused the JWT \(invalid_grant.*\): the JWT of --jwt-file is wrong/);
    const nowhere = await rig.account(addFlags(rig, alpha, 'gamma', { serverUrl: 'http://127.0.0.1:9' }));
    expect(nowhere.status).toBe(1);
    expect(nowhere.stderr).toBe('callsync: cannot reach RingCentral at http://127.0.0.1:9: connection refused; check --server-url\n');
    for (const r of [badSecret, badJwt, nowhere]) expect(r.stderr).not.toMatch(/RC_|not-the-/);
    expect(await rig.withDb(dumpTables)).toEqual(before);
  }, 60_000);

  it('a taken name, the same credentials or the same RingCentral account under another name are refused, storing nothing', async () => {
    const before = await rig.withDb(dumpTables);
    const sameName = await rig.account(addFlags(rig, beta, 'alpha'));
    expect(sameName.status).toBe(2);
    expect(sameName.stderr).toBe(`callsync: an account named "alpha" already exists (RingCentral account ${alpha.accountId}): pick another --name, or remove it first (callsync account remove alpha)\n`);
    const sameCredentials = await rig.account(addFlags(rig, alpha, 'alpha2'));
    expect(sameCredentials.status).toBe(2);
    expect(sameCredentials.stderr).toContain('are already those of account "alpha"');
    // Another URL of the same server: other credentials as far as callsync can tell, until RingCentral names the account.
    const viaLocalhost = alpha.url.replace('127.0.0.1', 'localhost');
    const sameAccount = await rig.account(addFlags(rig, alpha, 'alpha2', { serverUrl: viaLocalhost }));
    expect(sameAccount.status).toBe(2);
    expect(sameAccount.stderr).toBe(`callsync: RingCentral account ${alpha.accountId} is already added as "alpha": one name per account (to rename it: callsync account remove alpha --keep-data, then add it again)\n`);
    // Its check logged in (a new session under its own credential key): taken away again.
    expect(await rig.withDb(dumpTables)).toEqual(before);
  }, 60_000);

  it('refuses secrets on the command line, and bad flags, naming the flag and the fix', async () => {
    const jwtFlag = await rig.account([...addFlags(rig, alpha, 'x'), '--jwt', 'eyJ-on-the-command-line']);
    expect(jwtFlag.status).toBe(2);
    expect(jwtFlag.stderr).toMatch(/^callsync: --jwt is not accepted: a JWT on the command line stays in the process list.*pass --jwt-file FILE/);
    const secretFlag = await rig.account(['add', '--name', 'x', '--client-secret=s3cret-on-the-command-line']);
    expect(secretFlag.status).toBe(2);
    expect(secretFlag.stderr).toMatch(/^callsync: --client-secret is not accepted: .*--client-secret-file FILE/);
    for (const r of [jwtFlag, secretFlag]) expect(r.stderr).not.toMatch(/on-the-command-line/);

    const cases: Array<[string[], RegExp]> = [
      [['add', '--name', 'x'], /^callsync: account add needs --server-url, --client-id, --client-secret-file, --jwt-file \(callsync account add --help\)$/],
      [[...addFlags(rig, alpha, 'x', { serverUrl: 'ftp://example.com' })], /^callsync: --server-url must be an http\(s\) URL: https:\/\/platform\.ringcentral\.com for production/],
      [[...addFlags(rig, alpha, 'x'), '--schedule', '0 25 * * *'], /^callsync: --schedule must be a cron expression like "\*\/5 \* \* \* \*"/],
      [[...addFlags(rig, alpha, 'x'), '--backfill-days', '0'], /^callsync: --backfill-days must be a whole number from 1 to 366, like SYNC_BACKFILL_DAYS \(got "0"\)$/],
      [[...addFlags(rig, alpha, 'x'), '--sweep-hours', '169'], /^callsync: --sweep-hours must be a whole number from 1 to 168, like VOICEMAIL_SWEEP_HOURS \(got "169"\)$/],
      [[...addFlags(rig, alpha, 'no spaces')], /^callsync: --name must be 1-64 letters, digits, "_", "-" or "\." \(got "no spaces"\)$/],
      [['add', '--name', 'x', '--server-url', alpha.url, '--client-id', 'c', '--client-secret-file', '-', '--jwt-file', '-'], /^callsync: --client-secret-file and --jwt-file are both "-"/],
      [['add', '--name', 'x', '--server-url', alpha.url, '--client-id', 'c', '--client-secret-file', '/nonexistent/secret', '--jwt-file', '-'], /^callsync: --client-secret-file: cannot read \/nonexistent\/secret \(ENOENT\)/],
    ];
    for (const [args, message] of cases) {
      const result = await rig.account(args);
      expect(result.stderr.trimEnd()).toMatch(message);
      expect(result.status, result.stderr).toBe(2);
    }
    expect((await listJson()).map((a) => a.name)).toEqual(['alpha', 'beta']);
  }, 60_000);

  it('set changes settings, "default" gives one back; an unknown name or nothing to set is an error', async () => {
    const set = await rig.account(['set', 'alpha', '--schedule', '0 */2 * * *', '--sweep-hours', '12']);
    expect(set.status, set.stderr).toBe(0);
    expect(set.stdout).toBe('account "alpha": schedule 0 */2 * * *, backfill 30 days, sweep every 12 hours\n');
    const back = await rig.account(['set', 'alpha', '--backfill-days', 'default']);
    expect(back.stdout).toBe('account "alpha": schedule 0 */2 * * *, backfill 7 days (default), sweep every 12 hours\n');
    const [row] = await rows(sql`select schedule, backfill_days, sweep_hours from managed_accounts where name = 'alpha'`);
    expect(row).toEqual({ schedule: '0 */2 * * *', backfill_days: null, sweep_hours: 12 });
    // The defaults are the environment's.
    expect((await listJson({ SYNC_BACKFILL_DAYS: '3' }))[0]!.settings.backfillDays).toEqual({ value: 3, isDefault: true });

    const unknown = await rig.account(['set', 'nobody', '--sweep-hours', '1']);
    expect([unknown.status, unknown.stderr]).toEqual([2, 'callsync: no account named "nobody" (callsync account list shows them)\n']);
    const nothing = await rig.account(['set', 'alpha']);
    expect(nothing.status).toBe(2);
    expect(nothing.stderr).toContain('nothing to set');
    const bad = await rig.account(['set', 'alpha', '--schedule', 'hourly']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^callsync: --schedule must be a cron expression/);
  });

  it('credentials sealed with another CALLSYNC_SECRET_KEY do not open: list says so, and a worker gets the same clear error', async () => {
    const otherKey = newSecretKey();
    const json = await listJson({ CALLSYNC_SECRET_KEY: otherKey });
    const problem = json[0]!.credentials;
    expect(problem.status).toBe('unreadable');
    expect(problem.problem).toMatch(/^the credentials of account "alpha" cannot be opened: it is sealed with key [\w-]{8}, which CALLSYNC_SECRET_KEY does not hold; set CALLSYNC_SECRET_KEY to the key\(s\) they were added with, or add the account again$/);
    const text = await rig.account(['list'], { CALLSYNC_SECRET_KEY: otherKey });
    expect(text.stdout).toContain(`\nalpha: ${problem.problem}\nbeta: the credentials of account "beta" cannot be opened`);

    const config = loadConfig({ ...rig.env, CALLSYNC_SECRET_KEY: otherKey }, { accounts: 'none' });
    const error = await rig.withDb((d) => openManagedAccount(d.db, accountsKeyring(config, silentLogger), 'alpha')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(problem.problem);
    // With the right key they open, to the very secrets given.
    const opened = await rig.withDb((d) => openManagedAccount(d.db, accountsKeyring(loadConfig(rig.env, { accounts: 'none' }), silentLogger), 'alpha'));
    expect(opened.credentials).toEqual({ serverUrl: alpha.url, ...alpha.credentials });
  });

  it.skipIf(!testServerUrl)(`without CALLSYNC_SECRET_KEY on a database of one's own, add is refused before reading a secret (${testServerUrl ? 'PostgreSQL' : 'skipped: PGlite without a key is the demo, sealed with its key file'})`, async () => {
    const before = await rig.withDb(dumpTables);
    const result = await rig.account(addFlags(rig, alpha, 'gamma', { serverUrl: alpha.url.replace('127.0.0.1', 'localhost') }), { CALLSYNC_SECRET_KEY: '' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^callsync: accounts added to the database keep their credentials sealed: set CALLSYNC_SECRET_KEY or CALLSYNC_SECRET_KEY_FILE/);
    expect(await rig.withDb(dumpTables)).toEqual(before);
  });

  it('remove needs --keep-data or --drop-data; --keep-data deletes the account and its session and keeps its data', async () => {
    const neither = await rig.account(['remove', 'beta']);
    expect(neither.status).toBe(2);
    expect(neither.stderr).toMatch(/^callsync: say what happens to the account's synced data: --keep-data \(.*\) or --drop-data \(.*\)\n$/);
    const both = await rig.account(['remove', 'beta', '--keep-data', '--drop-data']);
    expect(both.status).toBe(2);
    const unknown = await rig.account(['remove', 'nobody', '--keep-data']);
    expect([unknown.status, unknown.stderr]).toEqual([2, 'callsync: no account named "nobody" (callsync account list shows them)\n']);

    const kept = await rig.account(['remove', 'beta', '--keep-data']);
    expect(kept.status, kept.stderr).toBe(0);
    expect(kept.stdout).toBe(`removed account "beta" (RingCentral account ${beta.accountId}) and its stored session; its synced data is kept (to delete it later: add the account again, then remove it with --drop-data)\n`);
    expect((await listJson()).map((a) => a.name)).toEqual(['alpha']);
    expect((await rows<{ credential_key: string }>(sql`select credential_key from auth_sessions`)).map((s) => s.credential_key)).toEqual([keyOf(alpha)]);
    expect(await rows(sql`select id from accounts where id = ${beta.accountId}`)).toHaveLength(1);
    // Adding it again is how it comes back (and how a name changes).
    const again = await rig.account(addFlags(rig, beta, 'beta-renamed'));
    expect(again.status, again.stderr).toBe(0);
  }, 60_000);
});
