import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { DAY, EXTRACT_SYNC, FakeClock, get, historyDays, login, TO } from './helpers.ts';

let sim: Simulator;
let token: string;
let clock: FakeClock;

async function start(opts: SimulatorOptions = {}): Promise<void> {
  clock = new FakeClock(TO.getTime() + DAY);
  sim = await startSimulator({ seed: 9, history: historyDays(3, 900), rateLimits: false, clock: clock.fn, ...opts });
  token = (await login(sim)).access;
}

afterEach(() => sim?.close());

/** FSync from `dateFrom`, then ISync while newerRecordsExist; returns every batch's records. */
async function syncAll(query: Record<string, string>): Promise<{ records: any[]; token: string; batches: number }> {
  let reply = await get(sim, token, EXTRACT_SYNC, { syncType: 'FSync', ...query });
  const records: any[] = [];
  let batches = 0;
  for (;;) {
    expect(reply.status).toBe(200);
    batches++;
    records.push(...reply.body.records);
    if (!reply.body.syncInfo.newerRecordsExist) return { records, token: reply.body.syncInfo.syncToken, batches };
    reply = await get(sim, token, EXTRACT_SYNC, { syncType: 'ISync', syncToken: reply.body.syncInfo.syncToken });
  }
}

describe('call-log-extract-sync', () => {
  it('FSync + ISync walk every record modified after dateFrom once, oldest change first', async () => {
    await start();
    const dateFrom = new Date(TO.getTime() - 2 * DAY).toISOString();
    const { records, batches } = await syncAll({ dateFrom, recordCount: '100', view: 'Detailed' });
    const expected = sim.truth().calls.filter((c) => c.record.lastModifiedTime! > dateFrom);
    expect(batches).toBeGreaterThan(3);
    expect(records.map((r) => r.id).sort()).toEqual(expected.map((c) => c.id).sort());
    const times = records.map((r) => r.lastModifiedTime);
    expect([...times].sort()).toEqual(times);
    const byId = new Map(expected.map((c) => [c.id, c.record]));
    for (const r of records) expect(r).toEqual(byId.get(r.id));
    expect(records.some((r) => r.deleted === true)).toBe(true);
  });

  it('FSync defaults: the last hour, 250 records, Simple view', async () => {
    await start();
    const reply = await get(sim, token, EXTRACT_SYNC);
    expect(reply.body.records).toEqual([]);
    expect(reply.body.syncInfo).toMatchObject({ syncType: 'FSync', newerRecordsExist: false, syncTime: new Date(clock.now).toISOString() });
    const all = await get(sim, token, EXTRACT_SYNC, { dateFrom: '2026-01-01T00:00:00Z' });
    expect(all.body.records).toHaveLength(250);
    expect(all.body.records[0].legs).toBeUndefined();
    expect(all.body.syncInfo.newerRecordsExist).toBe(true);
  });

  it('ISync returns nothing new until released changes arrive, then exactly those', async () => {
    await start({ late: { heldFraction: 0.05, modifiedFraction: 0.05, deletedFraction: 0.02 } });
    const before = new Map(sim.truth().calls.map((c) => [c.id, c.record]));
    const { token: syncToken } = await syncAll({ dateFrom: '2026-01-01T00:00:00Z', recordCount: '1000', view: 'Detailed' });
    const idle = await get(sim, token, EXTRACT_SYNC, { syncType: 'ISync', syncToken });
    expect(idle.body.records).toEqual([]);
    clock.advance(5_000);
    sim.release();
    const releasedAt = new Date(clock.now).toISOString();
    const after = await get(sim, token, EXTRACT_SYNC, { syncType: 'ISync', syncToken: idle.body.syncInfo.syncToken });
    const changed = sim.truth().calls.filter((c) => JSON.stringify(c.record) !== JSON.stringify(before.get(c.id)));
    expect(changed.length).toBeGreaterThan(30);
    expect(after.body.records.map((r: any) => r.id).sort()).toEqual(changed.map((c) => c.id).sort());
    for (const r of after.body.records) expect(r.lastModifiedTime).toBe(releasedAt);
  });

  it('rejects unknown, tampered and invalidated sync tokens with CLG-10x', async () => {
    await start();
    const bad = await get(sim, token, EXTRACT_SYNC, { syncType: 'ISync', syncToken: 'not-a-token' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ errorCode: 'CLG-101', parameterName: 'syncToken' });
    const missing = await get(sim, token, EXTRACT_SYNC, { syncType: 'ISync' });
    expect(missing.body.errorCode).toBe('CLG-101');
    const good = (await get(sim, token, EXTRACT_SYNC)).body.syncInfo.syncToken as string;
    const tampered = await get(sim, token, EXTRACT_SYNC, { syncType: 'ISync', syncToken: `x${good}` });
    expect(tampered.body.errorCode).toBe('CLG-101');
    sim.faults.invalidateSyncTokens();
    const reset = await get(sim, token, EXTRACT_SYNC, { syncType: 'ISync', syncToken: good });
    expect(reset.status).toBe(400);
    expect(reset.body.errorCode).toBe('CLG-104');
    expect(reset.body.message).toContain('call log was reset');
    const fresh = (await get(sim, token, EXTRACT_SYNC)).body.syncInfo.syncToken as string;
    clock.advance(25 * 60 * 60 * 1000);
    token = (await login(sim)).access;
    expect((await get(sim, token, EXTRACT_SYNC, { syncType: 'ISync', syncToken: fresh })).body.errorCode).toBe('CLG-103');
  });

  it('refuses on ISync every parameter the spec does not list for it (view, recordCount, dateFrom) with 400 CMN-101', async () => {
    await start();
    const syncToken = (await get(sim, token, EXTRACT_SYNC, { view: 'Detailed' })).body.syncInfo.syncToken as string;
    for (const [name, value] of [['view', 'Detailed'], ['recordCount', '1000'], ['dateFrom', '2026-11-01T00:00:00Z']]) {
      const reply = await get(sim, token, EXTRACT_SYNC, { syncType: 'ISync', syncToken, [name!]: value! });
      expect(reply.status).toBe(400);
      expect(reply.body.errors[0]).toMatchObject({ errorCode: 'CMN-101', parameterName: name, message: `Parameter [${name}] is not allowed` });
    }
    const plain = await get(sim, token, EXTRACT_SYNC, { syncType: 'ISync', syncToken });
    expect(plain.status).toBe(200);
  });

  it('answers the extractSyncUnavailable fault as RingCentral does: 403 CMN-202 not enabled, 501 CMN-202, 503 CMN-201', async () => {
    await start();
    for (const [status, errorCode] of [[403, 'CMN-202'], [501, 'CMN-202'], [503, 'CMN-201']] as const) {
      sim.faults.set({ extractSyncUnavailable: { status } });
      const reply = await get(sim, token, EXTRACT_SYNC);
      expect(reply.status).toBe(status);
      expect(reply.body).toMatchObject({ errorCode, errors: [{ errorCode }] });
    }
  });

  it('validates FSync parameters with CMN-101', async () => {
    await start();
    for (const [name, value] of [['dateFrom', 'soon'], ['recordCount', '0'], ['syncType', 'Full'], ['view', 'Fancy']]) {
      const reply = await get(sim, token, EXTRACT_SYNC, { [name!]: value! });
      expect(reply.status).toBe(400);
      expect(reply.body.errors[0]).toMatchObject({ errorCode: 'CMN-101', parameterName: name });
    }
  });
});
