import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, stringifyExact, type GroundTruth, type Simulator, type SimulatorOptions, type TruthMessage } from '../../src/simulator/index.ts';
import { DAY, EXTRACT_SYNC, FakeClock, get, getExact, historyDays, idText, login, messageSync, TO } from './helpers.ts';

let sim: Simulator;
let token: string;
let clock: FakeClock;

async function start(now: number, opts: SimulatorOptions = {}): Promise<void> {
  clock = new FakeClock(now);
  sim = await startSimulator({ seed: 31, history: historyDays(6, 4000), rateLimits: false, clock: clock.fn, ...opts });
  token = (await login(sim)).access;
}

afterEach(() => sim?.close());

const MSG_333 = 'Invalid message synchronisation request: full synchronization is required';

/** Mailbox extension ids that hold voicemails, busiest first. */
function mailboxes(truth: GroundTruth): string[] {
  const counts = new Map<string, number>();
  for (const m of truth.messages) counts.set(m.mailboxExtensionId, (counts.get(m.mailboxExtensionId) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([ext]) => ext);
}

/** When the message last changed, from its timeline. */
function lastChange(m: TruthMessage): number {
  const t = m.timeline;
  return Math.max(...[t.visible, t.transcribed, t.read, t.deleted, t.purged].filter((x): x is string => x !== null).map(Date.parse));
}

/** What ISync must return for a message: the full record while Alive, only id and availability otherwise. */
function isyncForm(m: TruthMessage): unknown {
  return m.availability === 'Alive' ? m.message : { id: BigInt(m.id) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(m.id) : BigInt(m.id), availability: m.availability };
}

async function isync(ext: string, syncToken: string): Promise<{ records: any[]; token: string }> {
  const reply = await getExact(sim, token, messageSync(ext), { syncType: 'ISync', syncToken });
  expect(reply.status, JSON.stringify(reply.text)).toBe(200);
  expect(reply.body.syncInfo).toMatchObject({ syncType: 'ISync', olderRecordsExist: false, syncTime: new Date(clock.now).toISOString() });
  return { records: reply.body.records, token: reply.body.syncInfo.syncToken };
}

describe('message-sync FSync', () => {
  it('returns the week before dateTo, newest first, full records (purged as stubs), capped by recordCount', async () => {
    await start(TO.getTime() + DAY);
    const truth = sim.truth();
    const ext = mailboxes(truth)[0]!;
    const week = truth.messages.filter((m) => m.mailboxExtensionId === ext && Date.parse(m.timeline.created) >= clock.now - 7 * DAY);
    expect(week.some((m) => m.availability === 'Deleted')).toBe(true);
    const reply = await getExact(sim, token, messageSync(ext));
    expect(reply.headers.get('x-rate-limit-group')).toBe('Light');
    expect(reply.body.uri.startsWith(`${sim.url}/restapi/v1.0/account/${sim.accountId}/extension/${ext}/message-sync`)).toBe(true);
    expect(reply.body.records).toEqual(week.map((m) => m.message));
    expect(reply.body.syncInfo).toMatchObject({ syncType: 'FSync', olderRecordsExist: false, syncTime: new Date(clock.now).toISOString() });
    expect(typeof reply.body.syncInfo.syncToken).toBe('string');
    expect(reply.body).not.toHaveProperty('paging');

    const capped = await getExact(sim, token, messageSync(ext), { syncType: 'FSync', recordCount: '5', messageType: 'VoiceMail' });
    expect(capped.body.records).toEqual(week.slice(0, 5).map((m) => m.message));
    expect(capped.body.syncInfo.olderRecordsExist).toBe(true);
    const dateFrom = new Date(TO.getTime() - 2 * DAY).toISOString();
    const windowed = await getExact(sim, token, messageSync(ext), { dateFrom, dateTo: TO.toISOString() });
    expect(windowed.body.records.map((r: any) => idText(r.id))).toEqual(week.filter((m) => m.timeline.created >= dateFrom).map((m) => m.id));
    const fax = await getExact(sim, token, messageSync(ext), { messageType: 'Fax' });
    expect(fax.body.records).toEqual([]);
  });
});

describe('message-sync ISync', () => {
  it('returns every message created or changed since the token: full while Alive, {id, availability} once deleted or purged', async () => {
    // "Now" lies inside the history, so advancing the clock lets voicemails arrive, get read, deleted and purged.
    await start(TO.getTime() - 3 * DAY);
    const before = new Map(sim.truth().messages.map((m) => [m.id, m]));
    const tokens = new Map<string, string>();
    const boxes = sim.truth().extensions.filter((e) => e.type === 'User' || e.type === 'Department').map((e) => String(e.id));
    for (const ext of boxes) tokens.set(ext, (await getExact(sim, token, messageSync(ext))).body.syncInfo.syncToken);
    const since = clock.now;
    // Poll every 18 hours (tokens live a day), upserting what each ISync returns, as a client would.
    const latest = new Map<string, any>();
    for (let step = 0; step < 4; step++) {
      clock.advance(18 * 60 * 60 * 1000);
      token = (await login(sim)).access;
      for (const ext of boxes) {
        const { records, token: next } = await isync(ext, tokens.get(ext)!);
        tokens.set(ext, next);
        for (const r of records) latest.set(idText(r.id), r);
      }
    }
    const after = sim.truth();
    const expected = after.messages.filter((m) => lastChange(m) > since - 5000);
    expect([...latest.keys()].sort()).toEqual(expected.map((m) => m.id).sort());
    for (const m of expected) expect(latest.get(m.id), m.id).toEqual(isyncForm(m));
    const received = [...latest.values()];
    const stubs = received.filter((r) => r.availability !== 'Alive');
    for (const s of stubs) expect(Object.keys(s).sort()).toEqual(['availability', 'id']);
    expect(stubs.filter((s) => s.availability === 'Deleted').length).toBeGreaterThan(0);
    expect(stubs.filter((s) => s.availability === 'Purged').length).toBeGreaterThan(0);
    expect(received.filter((r) => !before.has(idText(r.id))).length).toBeGreaterThan(100);
    const changed = received.filter((r) => before.has(idText(r.id)));
    expect(changed.length).toBeGreaterThan(3);
    expect(changed.some((r) => r.readStatus === 'Read' && (before.get(idText(r.id))!.message as any).readStatus === 'Unread')).toBe(true);
  });

  it('delivers released voicemails and changes; ISyncs within 5 s of a change repeat it, later ones do not', async () => {
    await start(TO.getTime() + DAY, { late: { heldFraction: 0.15, modifiedFraction: 0.15, deletedFraction: 0.1 } });
    const ext = mailboxes(sim.truth())[0]!;
    const before = new Map(sim.truth().messages.filter((m) => m.mailboxExtensionId === ext).map((m) => [m.id, stringifyExact(m.message)]));
    expect(sim.stats().messages.held).toBeGreaterThan(20);
    const fsync = await getExact(sim, token, messageSync(ext));
    let t = (await isync(ext, fsync.body.syncInfo.syncToken)).token;
    clock.advance(2_000);
    const idle = await isync(ext, t);
    expect(idle.records).toEqual([]);
    sim.release();
    expect(sim.stats().messages.held).toBe(0);
    const after = sim.truth().messages.filter((m) => m.mailboxExtensionId === ext);
    const changed = after.filter((m) => before.get(m.id) !== stringifyExact(m.message));
    expect(changed.filter((m) => !before.has(m.id)).length).toBeGreaterThan(2);
    expect(changed.filter((m) => m.availability === 'Deleted').length).toBeGreaterThan(0);
    const first = await isync(ext, idle.token);
    expect(first.records.map((r) => idText(r.id)).sort()).toEqual(changed.map((m) => m.id).sort());
    for (const r of first.records) expect(r).toEqual(isyncForm(changed.find((m) => m.id === idText(r.id))!));
    for (const r of first.records.filter((x) => x.availability === 'Deleted')) expect(r).toEqual({ id: r.id, availability: 'Deleted' });
    clock.advance(3_000);
    const again = await isync(ext, first.token);
    expect(again.records.map((r) => idText(r.id)).sort()).toEqual(first.records.map((r) => idText(r.id)).sort());
    clock.advance(60_000);
    t = (await isync(ext, again.token)).token;
    clock.advance(60_000);
    expect((await isync(ext, t)).records).toEqual([]);
  });
});

describe('message-sync errors', () => {
  const msg333 = (value: string) => ({
    errorCode: 'MSG-333',
    message: MSG_333,
    errors: [{ errorCode: 'MSG-333', message: MSG_333, parameterName: 'syncToken', parameterValue: value }],
  });

  it('answers 400 MSG-333 to bad, foreign, invalidated and expired tokens', async () => {
    await start(TO.getTime() + DAY);
    const [a, b] = mailboxes(sim.truth());
    const good = (await getExact(sim, token, messageSync(a))).body.syncInfo.syncToken as string;
    for (const bad of ['garbage', `x${good}`]) {
      const reply = await get(sim, token, messageSync(a), { syncType: 'ISync', syncToken: bad });
      expect([reply.status, reply.body]).toEqual([400, msg333(bad)]);
    }
    expect((await get(sim, token, messageSync(a), { syncType: 'ISync' })).body).toEqual(msg333(''));
    expect((await get(sim, token, messageSync(b), { syncType: 'ISync', syncToken: good })).body.errorCode).toBe('MSG-333');
    expect((await get(sim, token, messageSync(a), { syncType: 'ISync', syncToken: good })).status).toBe(200);

    // The two sync families are independent.
    const extract = (await get(sim, token, EXTRACT_SYNC)).body.syncInfo.syncToken as string;
    sim.faults.invalidateMessageSyncTokens();
    expect((await get(sim, token, messageSync(a), { syncType: 'ISync', syncToken: good })).body).toEqual(msg333(good));
    expect((await get(sim, token, EXTRACT_SYNC, { syncType: 'ISync', syncToken: extract })).status).toBe(200);
    const fresh = (await getExact(sim, token, messageSync(a))).body.syncInfo.syncToken as string;
    sim.faults.invalidateSyncTokens();
    expect((await get(sim, token, messageSync(a), { syncType: 'ISync', syncToken: fresh })).status).toBe(200);

    const viaFaults = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ invalidateMessageSyncTokens: true }), headers: { 'Content-Type': 'application/json' } });
    expect(viaFaults.status).toBe(200);
    expect((await get(sim, token, messageSync(a), { syncType: 'ISync', syncToken: fresh })).body.errorCode).toBe('MSG-333');
    const next = (await getExact(sim, token, messageSync(a))).body.syncInfo.syncToken as string;
    expect((await fetch(`${sim.url}/__sim/invalidate-message-sync-tokens`, { method: 'POST' })).status).toBe(200);
    expect((await get(sim, token, messageSync(a), { syncType: 'ISync', syncToken: next })).body.errorCode).toBe('MSG-333');

    const old = (await getExact(sim, token, messageSync(a))).body.syncInfo.syncToken as string;
    clock.advance(25 * 60 * 60 * 1000);
    token = (await login(sim)).access;
    expect((await get(sim, token, messageSync(a), { syncType: 'ISync', syncToken: old })).body.errorCode).toBe('MSG-333');
  });

  it('validates parameters with CMN-101 and unknown extensions with CMN-102', async () => {
    await start(TO.getTime() + DAY);
    for (const [name, value] of [['syncType', 'Full'], ['recordCount', '0'], ['dateFrom', 'soon'], ['messageType', 'Email']]) {
      const reply = await get(sim, token, messageSync(), { [name!]: value! });
      expect(reply.status).toBe(400);
      expect(reply.body.errors[0]).toMatchObject({ errorCode: 'CMN-101', parameterName: name });
    }
    const unknown = await get(sim, token, messageSync('99'));
    expect([unknown.status, unknown.body.errors[0].errorCode]).toEqual([404, 'CMN-102']);
  });
});
