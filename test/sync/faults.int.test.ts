import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { syncAll } from '../../src/main.ts';
import { listAuthSessions, saveAuthSession } from '../../src/store/auth-sessions.ts';
import { authSessionKeyring } from '../../src/secrets/keys.ts';
import { CALL_LOG_STREAM } from '../../src/sync/call-log.ts';
import { databaseKind } from '../helpers/database.ts';
import { expectDatabaseEqualsTruth, history, startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const SIM = { seed: 21, history: history(300, 2) };
const ENV = { SYNC_FAST_PATH: 'off' };

async function syncOk(h: Harness, onPage?: (page: number) => void) {
  const app = await h.app();
  let pages = 0;
  const results = await syncAll(app, { onProgress: () => onPage?.(++pages) });
  const run = results.find((r) => r.stream === 'call-log')!;
  expect(run.error).toBeUndefined();
  expect(run.outcome).toBe('success');
  return run;
}

describe(`faults converge to the same database (${databaseKind})`, () => {
  it('a 429 storm: waits Retry-After and still stores everything', async () => {
    harness = await startHarness({ ...SIM, rateLimits: { Heavy: { limit: 50, windowSec: 1, penaltySec: 1 } } }, ENV);
    harness.sim.faults.set({ rateLimitStorm: { group: 'Heavy', count: 4 } });
    const run = await syncOk(harness);
    expect(run.rateLimited).toBeGreaterThanOrEqual(4);
    await expectDatabaseEqualsTruth(harness);
  });

  it('a token revoked mid-run: logs in again with the JWT and carries on', async () => {
    harness = await startHarness(SIM, ENV);
    const grantsBefore = harness.sim.stats().tokenGrants.jwt;
    await syncOk(harness, (page) => {
      if (page === 2) harness!.sim.faults.revokeTokens();
    });
    expect(harness.sim.stats().tokenGrants.jwt).toBe(grantsBefore + 2);
    await expectDatabaseEqualsTruth(harness);
  });

  // Refreshing keeps the session; a fresh JWT login per hiccup would run into RingCentral's session cap.
  for (const fault of ['429', '503'] as const) {
    it(`a token refresh that gets ${fault}: waits and refreshes again, without a new JWT session`, async () => {
      harness = await startHarness({ ...SIM, rateLimits: { Auth: { limit: 5, windowSec: 1, penaltySec: 1 } } }, ENV);
      await syncOk(harness);
      // The stored access token expires: the next pass must refresh it.
      const keyring = authSessionKeyring(loadConfig(harness.env), silentLogger);
      for (const session of await listAuthSessions(harness.testDb.database.db, keyring)) {
        if (!session.opened) throw new Error(`stored session does not open: ${session.reason}`);
        const expired = Object.fromEntries(Object.entries(session.data).map(([k, v]) => [k, JSON.stringify({ ...JSON.parse(v), expire_time: 0 })]));
        await saveAuthSession(harness.testDb.database.db, session.credentialKey, expired, keyring);
      }
      const before = harness.sim.stats().tokenGrants;
      harness.sim.faults.set(fault === '429' ? { rateLimitStorm: { group: 'Auth', count: 1 } } : { serverErrors: { count: 1, group: 'Auth', status: 503 } });
      await syncOk(harness);
      const after = harness.sim.stats().tokenGrants;
      expect(after.jwt).toBe(before.jwt);
      expect(after.refresh_token).toBe(before.refresh_token + 1);
      await expectDatabaseEqualsTruth(harness);
    });
  }

  it('5xx bursts: retries with backoff', async () => {
    harness = await startHarness(SIM, ENV);
    harness.sim.faults.set({ serverErrors: { count: 5, group: 'Heavy' } });
    await syncOk(harness);
    expect(harness.sim.stats().serverErrorsInjected).toBe(5);
    await expectDatabaseEqualsTruth(harness);
  });

  it('slow pages: waits for them', async () => {
    harness = await startHarness(SIM, ENV);
    harness.sim.faults.set({ slow: { ms: 300, count: 4, group: 'Heavy' } });
    await syncOk(harness);
    await expectDatabaseEqualsTruth(harness);
  });

  it("never receives a 429 under RingCentral's limits (scaled to a 4-second window)", async () => {
    harness = await startHarness({ ...SIM, rateLimits: { Heavy: { limit: 10, windowSec: 4, penaltySec: 4 }, Medium: { limit: 40, windowSec: 4, penaltySec: 4 }, Light: { limit: 50, windowSec: 4, penaltySec: 4 }, Auth: { limit: 5, windowSec: 4, penaltySec: 4 } } }, { ...ENV, SYNC_PAGE_SIZE: '20' });
    const run = await syncOk(harness);
    expect(run.requests.Heavy).toBeGreaterThan(10);
    expect(run.rateLimited).toBe(0);
    expect(harness.sim.stats().rateLimitedTotal).toBe(0);
    await expectDatabaseEqualsTruth(harness);
  });

  it('a second process cannot sync the same stream at the same time', async () => {
    harness = await startHarness({ ...SIM }, ENV);
    // The first pass's first call-log request is held for a second: once it has arrived, that pass holds the
    // call-log stream, however slowly the machine got there. (A fixed sleep raced the first pass's start.)
    harness.sim.faults.set({ slow: { ms: 1000, group: 'Heavy', count: 1 } });
    const app = await harness.app();
    const heavyBefore = harness.sim.stats().requests.Heavy;
    const first = syncAll(app);
    await vi.waitFor(() => expect(harness!.sim.stats().requests.Heavy).toBeGreaterThan(heavyBefore), { timeout: 30_000, interval: 5 });
    await expect(syncAll(app, { streams: [CALL_LOG_STREAM] })).rejects.toThrow(/already being synced|another process/);
    await first;
  });
});
