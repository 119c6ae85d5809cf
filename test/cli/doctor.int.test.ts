import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { doctor, doctorExitCode, openDoctorTarget } from '../../src/cli/commands/doctor.ts';
import { loadConfig } from '../../src/config.ts';
import { runDoctor } from '../../src/doctor/run.ts';
import type { CheckId, DoctorReport } from '../../src/doctor/types.ts';
import { RingCentralApiError, type RateGroup } from '../../src/errors.ts';
import { silentLogger } from '../../src/logger.ts';
import { sourceCliArgs } from '../helpers/cli.ts';
import { FAST_RETRY, history, startHarness, type Harness } from '../helpers/harness.ts';

/** The doctor's request budget per group (the task's figures: within RingCentral's per-minute limits). */
const BUDGET: Record<RateGroup, number> = { Heavy: 3, Medium: 2, Light: 6, Auth: 1 };

let harness: Harness;
let dataDir: string;

beforeAll(async () => {
  // Calls over the last three days, ending 30 minutes ago: inside the doctor's seven-day call-log window.
  harness = await startHarness({ seed: 7, history: history(300, 3, 30 * 60_000) });
  dataDir = mkdtempSync(path.join(tmpdir(), 'callsync-doctor-'));
});

afterAll(async () => {
  await harness?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  harness.sim.faults.clear();
});

const config = (env: Record<string, string> = {}) => loadConfig({ ...harness.env, ...env });
const options = () => ({ logger: silentLogger, retry: FAST_RETRY, database: harness.testDb.database });
const check = (report: DoctorReport, id: CheckId) => report.checks.find((c) => c.id === id)!;
const statuses = (report: DoctorReport) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]));

/** Runs the doctor in process and returns its report with what the simulator saw of it, per group. */
async function diagnose(env: Record<string, string> = {}): Promise<{ report: DoctorReport; seen: Record<RateGroup, number> }> {
  const before = harness.sim.stats().requests;
  const report = await doctor(config(env), options());
  const after = harness.sim.stats().requests;
  const seen = Object.fromEntries((Object.keys(after) as RateGroup[]).map((g) => [g, after[g] - before[g]])) as Record<RateGroup, number>;
  return { report, seen };
}

function expectWithinBudget(seen: Record<RateGroup, number>) {
  for (const group of Object.keys(BUDGET) as RateGroup[]) expect(seen[group], group).toBeLessThanOrEqual(BUDGET[group]);
}

describe('callsync doctor against the simulator', () => {
  it('a Super Admin JWT: every check ok, exit 0, within the request budget, and its own request count matches the server\'s', async () => {
    const { report, seen } = await diagnose();
    expect(statuses(report)).toEqual({
      'session': 'ok', 'scopes': 'ok', 'call-log': 'ok', 'other-mailboxes': 'ok', 'extract-sync': 'ok',
      'voicemail-references': 'ok', 'batch-reads': 'ok', 'rate-limits': 'ok', 'sessions': 'ok',
    });
    expect(doctorExitCode(report)).toBe(0);
    expect(report.user?.accountId).toBe(harness.sim.accountId);
    expect(check(report, 'session').found).toContain('logged in with the JWT');
    expect(check(report, 'scopes').found).toBe('granted: ReadAccounts ReadCallLog ReadCallRecording ReadMessages');
    // The simulator's call log names the voicemails it left: the check reports them, read from the page.
    expect(check(report, 'voicemail-references').found).toMatch(/^100 recent calls read \(last 7 days\): [1-9]\d* look like voicemail, [1-9]\d* of them with a message reference/);
    expect(check(report, 'batch-reads').found).toContain('207 multipart answer split into 2 parts');
    // The harness's simulator does not limit, and announces so: the check reports what it was told.
    expect(check(report, 'rate-limits').found).toMatch(/^Heavy 1000000\/60 s \(default 10\/60 s\), \d+ left; Medium 1000000\/60 s \(default 40\/60 s\), \d+ left; Light .*; Auth /);
    expect(report.checks.every((c) => c.fix === undefined)).toBe(true);
    expectWithinBudget(seen);
    expect(seen).toEqual(report.requests);
    expect(report.requests).toEqual({ Heavy: 2, Medium: 1, Light: 4, Auth: 1 });
  });

  it('a second run takes the session stored in the database: no token request', async () => {
    const { report, seen } = await diagnose();
    expect(seen.Auth).toBe(0);
    expect(check(report, 'session')).toMatchObject({ status: 'ok', found: expect.stringContaining('used the live session stored in the database') });
    expect(check(report, 'sessions').found).toMatch(/^1 session stored for this credential/);
  });

  it('a User Admin JWT: the mailbox check fails with CMN-419 and the Super Admin fix, exit 1; the rest holds', async () => {
    harness.sim.faults.adminRole = 'UserAdmin';
    const { report, seen } = await diagnose();
    expect(check(report, 'other-mailboxes')).toMatchObject({
      status: 'fail',
      errorCode: 'CMN-419',
      found: expect.stringMatching(/authz-profile\/check says the JWT user lacks ReadMessages; reading its mailbox answered HTTP 403 CMN-419/),
      fix: expect.stringContaining('Super Admin role'),
    });
    expect(report.checks.filter((c) => c.status !== 'ok').map((c) => c.id)).toEqual(['other-mailboxes']);
    expect(doctorExitCode(report)).toBe(1);
    expectWithinBudget(seen);
    expect(harness.sim.stats().permissionDenied).toBeGreaterThan(0);
  });

  it('extract-sync refused (403): a warning naming the fallback, exit 0', async () => {
    harness.sim.faults.set({ extractSyncUnavailable: { status: 403 } });
    const { report, seen } = await diagnose();
    expect(check(report, 'extract-sync')).toMatchObject({ status: 'warn', errorCode: 'CMN-202', found: expect.stringContaining('falls back to window scans') });
    expect(report.checks.filter((c) => c.status !== 'ok').map((c) => c.id)).toEqual(['extract-sync']);
    expect(doctorExitCode(report)).toBe(0);
    expectWithinBudget(seen);
  });

  it('SYNC_FAST_PATH=off: extract-sync is not asked', async () => {
    const { report, seen } = await diagnose({ SYNC_FAST_PATH: 'off' });
    expect(check(report, 'extract-sync').status).toBe('skip');
    expect(seen.Heavy).toBe(1);
  });

  it('authz-profile/check unavailable: a warning, then one read of another mailbox decides (CMN-419 fails)', async () => {
    const unavailable = async (role: 'SuperAdmin' | 'UserAdmin') => {
      harness.sim.faults.adminRole = role;
      const { target, close } = await openDoctorTarget(config(), options());
      try {
        // RingCentral without the endpoint for this app: the rest is the real SDK against the simulator.
        const api = { ...target.api, checkPermission: async () => {
          throw new RingCentralApiError('Resource not found', { status: 404, errorCode: 'CMN-120', rateGroup: 'Light', method: 'GET', path: '/restapi/v1.0/account/~/extension/~/authz-profile/check' });
        } };
        return await runDoctor({ ...target, api });
      } finally {
        await close();
      }
    };
    const allowed = await unavailable('SuperAdmin');
    expect(check(allowed, 'other-mailboxes')).toMatchObject({ status: 'warn', errorCode: 'CMN-120', found: expect.stringMatching(/not available .*; reading its mailbox worked/) });
    expect(allowed.ok).toBe(true);
    const denied = await unavailable('UserAdmin');
    expect(check(denied, 'other-mailboxes')).toMatchObject({ status: 'fail', errorCode: 'CMN-419', fix: expect.stringContaining('Super Admin role') });
    expect(denied.ok).toBe(false);
  });

  it('a JWT RingCentral refuses: the session fails with the RC_JWT fix and the RingCentral checks are skipped', async () => {
    const { report, seen } = await diagnose({ RC_JWT: 'not-the-jwt' });
    expect(check(report, 'session')).toMatchObject({ status: 'fail', errorCode: 'OAU-140', fix: expect.stringContaining('RC_JWT') });
    expect(report.checks.filter((c) => c.status === 'skip').map((c) => c.id)).toEqual(['scopes', 'call-log', 'other-mailboxes', 'extract-sync', 'voicemail-references', 'batch-reads']);
    expect(doctorExitCode(report)).toBe(1);
    expect(seen).toEqual({ Heavy: 0, Medium: 0, Light: 0, Auth: 1 });
  });

  it('the CLI: `doctor --json` prints only the report on stdout (logs on stderr) and exits 1 when a check fails', async () => {
    harness.sim.faults.adminRole = 'UserAdmin';
    const child = spawn(process.execPath, sourceCliArgs(['doctor', '--json']), {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', CALLSYNC_DATA_DIR: dataDir, ...harness.env, LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(status, stderr).toBe(1);
    // Logs (a login, or taking over the stored session) go to stderr, so stdout is the report alone.
    expect(stderr).toMatch(/RingCentral session|logged in to RingCentral/);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'fail', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(report.checks[3]).toMatchObject({ id: 'other-mailboxes', errorCode: 'CMN-419' });
  });
});
