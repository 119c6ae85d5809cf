// A company of real size (SimulatorOptions.company): a thousand users, call queues with members,
// shared-voicemail departments, extensions without a mailbox, ten thousand calls a day, voicemails
// named and not named by the call log, FindMe legs as RingCentral logs them — and a truth that still
// adds up. Read through the real @ringcentral/sdk where the API is involved.

import { SDK } from '@ringcentral/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExact, startSimulator, type CallLogRecord, type GroundTruth, type Simulator, type TruthCall } from '../../src/simulator/index.ts';
import { DAY, historyDays, TO } from './helpers.ts';

const USERS = 1000;
let sim: Simulator;
let sdk: SDK;
let platform: ReturnType<SDK['platform']>;
let truth: GroundTruth;
let calls: Map<string, TruthCall>;

beforeAll(async () => {
  const t = performance.now();
  sim = await startSimulator({ seed: 31, company: { users: USERS }, history: historyDays(1, 10_000), rateLimits: false });
  truth = sim.truth();
  console.log(`[sized company] ${USERS} users, ${truth.calls.length} calls, ${truth.messages.length} voicemails: built + truth in ${Math.round(performance.now() - t)} ms`);
  calls = new Map(truth.calls.map((c) => [c.id, c]));
  sdk = new SDK({ server: sim.url, clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret, cachePrefix: 'sim-sized-' });
  await sdk.platform().login({ jwt: sim.credentials.jwt });
  platform = sdk.platform();
}, 60_000);
afterAll(() => sim.close());

const hasMailbox = (type: string): boolean => type === 'User' || type === 'Department';

/** Extensions named anywhere in a record (owner or any leg). */
function involved(record: CallLogRecord): Set<number> {
  return new Set([record.extension?.id, ...(record.legs ?? []).map((l) => l.extension?.id)].filter((id): id is number => id !== undefined));
}

describe('a sized company', () => {
  it('has the asked-for users, queues with enabled members, shared mailboxes and extensions without a mailbox', async () => {
    const records: any[] = [];
    let response = await platform.get('/restapi/v1.0/account/~/extension', { perPage: 1000 });
    for (;;) {
      const body = (await response.json()) as any;
      records.push(...body.records);
      if (!body.navigation.nextPage) break;
      response = await platform.get(body.navigation.nextPage.uri);
    }
    expect(records).toEqual(truth.extensions);
    const enabledUsers = records.filter((e) => e.type === 'User' && e.status === 'Enabled');
    expect(enabledUsers).toHaveLength(USERS);
    // Defaults: users/50 queues, users/100 shared mailboxes, users/100 disabled users and extensions without a mailbox.
    expect(records.filter((e) => e.type === 'User' && e.status === 'Disabled')).toHaveLength(10);
    expect(records.filter((e) => e.type === 'Department')).toHaveLength(30);
    expect(records.filter((e) => !hasMailbox(e.type))).toHaveLength(10);
    expect(records.filter((e) => hasMailbox(e.type))).toHaveLength(1040);
    expect(new Set(records.map((e) => e.id)).size).toBe(records.length);
    expect(new Set(records.map((e) => e.extensionNumber)).size).toBe(records.length);
    expect(records.every((e) => /^\d{3,5}$/.test(e.extensionNumber))).toBe(true);
    expect(new Set(enabledUsers.map((e) => e.contact.email)).size).toBe(USERS);
    expect(records.filter((e) => e.permissions?.admin.enabled)).toHaveLength(1);
  });

  it('spreads light traffic over most users and leaves voicemails in user, queue and shared mailboxes', () => {
    const byExt = new Map(truth.extensions.map((e) => [String(e.id), e]));
    const usersCalled = new Set(truth.calls.map((c) => c.record.extension?.id).filter((id) => byExt.get(String(id))?.type === 'User'));
    expect(usersCalled.size).toBeGreaterThan(USERS * 0.9);
    const types = new Map<string, number>();
    for (const m of truth.messages) {
      const kind = m.tags.includes('queue-mailbox') ? 'queue' : m.tags.includes('shared-mailbox') ? 'shared' : byExt.get(m.mailboxExtensionId)!.type;
      types.set(kind, (types.get(kind) ?? 0) + 1);
    }
    expect(types.get('User')).toBeGreaterThan(500);
    expect(types.get('queue')).toBeGreaterThan(50);
    expect(types.get('shared')).toBeGreaterThan(50);
    expect([...types.keys()].sort()).toEqual(['User', 'queue', 'shared']);
    // Every Department with messages is a queue or shared mailbox, and the queues are all used.
    const queuesWithMail = new Set(truth.messages.filter((m) => m.tags.includes('queue-mailbox')).map((m) => m.mailboxExtensionId));
    expect(queuesWithMail.size).toBe(20);
    const withMail = new Set(truth.messages.map((m) => m.mailboxExtensionId));
    expect(withMail.size).toBeGreaterThan(500);
    for (const id of withMail) expect(hasMailbox(byExt.get(id)!.type)).toBe(true);
  });

  it('names some voicemails on the record, some on a leg only, some nowhere; the truth links each to its call', () => {
    const count = (tag: string) => truth.messages.filter((m) => m.tags.includes(tag as never)).length;
    expect(count('referenced-on-record')).toBeGreaterThan(200);
    expect(count('referenced-on-leg-only')).toBeGreaterThan(100);
    expect(count('unreferenced')).toBeGreaterThan(100);
    for (const m of truth.messages) {
      if (m.leftByCallId === null) {
        expect(m.unlinkableReason).toBe('call-outside-history');
        continue;
      }
      const call = calls.get(m.leftByCallId)!;
      expect(call, m.id).toBeDefined();
      const names = [call.record.message?.id, ...(call.record.legs ?? []).map((l) => l.message?.id)];
      expect(names.includes(m.id)).toBe(m.tags.includes('referenced-on-record') || m.tags.includes('referenced-on-leg-only'));
      expect(involved(call.record).has(Number(m.mailboxExtensionId))).toBe(true);
      if (m.expected.callId !== null) {
        expect(m.expected.callId).toBe(m.leftByCallId);
        expect(call.expected.voicemailMessageId).toBe(m.id);
      }
    }
    const linkedCalls = truth.calls.filter((c) => c.expected.voicemailMessageId !== null);
    expect(linkedCalls).toHaveLength(truth.messages.filter((m) => m.expected.callId !== null).length);
  });

  it('logs FindMe/FollowMe legs from the user’s own number to the mobile; the caller stays on the inbound party', () => {
    const own = new Map(truth.extensions.map((e) => [e.id, e]));
    const dids = new Set<string>();
    let forwarded = 0;
    for (const call of truth.calls) {
      for (const leg of call.record.legs ?? []) {
        if (leg.action !== 'FindMe' && leg.action !== 'FollowMe') continue;
        forwarded++;
        expect(leg.direction).toBe('Outbound');
        expect(own.get(leg.extension!.id)?.type).toBe('User');
        expect(leg.to.location).toBe('Mobile');
        dids.add(leg.from.phoneNumber!);
        const inbound = (call.record.legs ?? []).find((l) => l.direction === 'Inbound' && l.master);
        expect(inbound).toBeDefined();
        if (leg.from.phoneNumber !== undefined && inbound!.from.phoneNumber !== undefined) expect(leg.from.phoneNumber).not.toBe(inbound!.from.phoneNumber);
      }
    }
    expect(forwarded).toBeGreaterThan(500);
    // Direct numbers of many different users, and the company's main number.
    expect(dids.size).toBeGreaterThan(300);
  });

  it('has voicemails after an unanswered forwarded call that the call log does not name, with the truth naming the call', () => {
    const cases = truth.messages.filter((m) => m.tags.includes('forwarding-leg-from-owner') && m.tags.includes('unreferenced') && m.leftByCallId !== null);
    expect(cases.length).toBeGreaterThan(20);
    for (const m of cases) {
      const call = calls.get(m.leftByCallId!)!;
      expect(call.record.result).not.toBe('Accepted');
      const findMe = call.record.legs!.find((l) => l.action === 'FindMe' || l.action === 'FollowMe')!;
      expect(findMe.result).not.toBe('Call connected');
      expect(findMe.from.phoneNumber).not.toBe((m.message as any).from?.phoneNumber);
    }
    // Where a unique match exists, the truth expects it found through the inbound party.
    expect(cases.some((m) => m.expected.method === 'MATCHED')).toBe(true);
  });

  it('serves a mailbox through message-sync and a batch by id exactly as the truth has them', async () => {
    const byBox = new Map<string, string[]>();
    for (const m of truth.messages) byBox.set(m.mailboxExtensionId, [...(byBox.get(m.mailboxExtensionId) ?? []), m.id]);
    const boxes = [...byBox].filter(([, ids]) => ids.length >= 3).slice(0, 5);
    expect(boxes).toHaveLength(5);
    const byId = new Map(truth.messages.map((m) => [m.id, m]));
    for (const [box, ids] of boxes) {
      const fsync = await platform.get(`/restapi/v1.0/account/~/extension/${box}/message-sync`, { syncType: 'FSync', dateFrom: new Date(TO.getTime() - 2 * DAY).toISOString() });
      const body = parseExact(await fsync.text()) as any;
      expect(body.records).toEqual(ids.map((id) => byId.get(id)!.message));
      const batch = await platform.get(`/restapi/v1.0/account/~/extension/${box}/message-store/${ids.join(',')}`);
      expect(batch.status).toBe(207);
      const parts = await sdk.multipart(batch);
      expect(await Promise.all(parts.map(async (p) => parseExact(await p.text())))).toEqual(ids.map((id) => byId.get(id)!.message));
    }
    expect(sim.stats().messageBatches.requests).toBe(5);
  });

  it('filters the call log by extensionNumber exactly, also past the 32nd extension', async () => {
    const users = truth.extensions.filter((e) => e.type === 'User');
    // idx 40 and idx 8 share a bit of the 32-bit prefilter mask: neither may leak into the other's answer.
    for (const ext of [users[40]!, users[8]!]) {
      const expected = truth.calls.filter((c) => !c.deleted && involved(c.record).has(ext.id)).map((c) => c.id);
      expect(expected.length).toBeGreaterThan(0);
      const response = await platform.get('/restapi/v1.0/account/~/call-log', {
        extensionNumber: ext.extensionNumber, dateFrom: new Date(TO.getTime() - 2 * DAY).toISOString(), dateTo: TO.toISOString(), perPage: 1000, view: 'Detailed',
      });
      const body = (await response.json()) as any;
      expect(body.records.map((r: any) => r.id)).toEqual(expected);
    }
  });
});

describe('sized company options', () => {
  it('the same seed and size give the same company and calls; counts can be set one by one', async () => {
    const opts = { seed: 8, company: { users: 60, queues: 4, sharedMailboxes: 3, withoutMailbox: 5, disabledUsers: 2 }, history: historyDays(1, 300), rateLimits: false as const };
    const a = await startSimulator(opts);
    const b = await startSimulator(opts);
    try {
      const ta = a.truth();
      const tb = b.truth();
      expect(ta.extensions.map((e) => e.id)).toEqual(tb.extensions.map((e) => e.id));
      expect(ta.calls.map((c) => c.id)).toEqual(tb.calls.map((c) => c.id));
      expect(ta.messages.map((m) => m.id)).toEqual(tb.messages.map((m) => m.id));
      expect(ta.extensions.filter((e) => e.type === 'Department')).toHaveLength(7);
      expect(ta.extensions.filter((e) => !hasMailbox(e.type))).toHaveLength(5);
      expect(ta.extensions.filter((e) => e.type === 'User')).toHaveLength(62);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("forwardingFrom: the default company keeps the caller on FindMe legs unless asked for 'owner'", async () => {
    const findMeFroms = async (forwardingFrom?: 'owner'): Promise<{ own: number; caller: number }> => {
      const s = await startSimulator({ seed: 9, history: historyDays(2, 600), rateLimits: false, forwardingFrom });
      try {
        const t = s.truth();
        const ownNumbers = new Set<string>([...t.calls.flatMap((c) => [c.record.to.phoneNumber ?? ''])]);
        let own = 0;
        let caller = 0;
        for (const c of t.calls) {
          for (const leg of c.record.legs ?? []) {
            if (leg.action !== 'FindMe' && leg.action !== 'FollowMe') continue;
            const master = c.record.legs!.find((l) => l.master)!;
            if (leg.from.phoneNumber === master.from.phoneNumber) caller++;
            else if (ownNumbers.has(leg.from.phoneNumber ?? '')) own++;
          }
        }
        return { own, caller };
      } finally {
        await s.close();
      }
    };
    const legacy = await findMeFroms();
    expect(legacy.own).toBe(0);
    expect(legacy.caller).toBeGreaterThan(10);
    const owner = await findMeFroms('owner');
    expect(owner.caller).toBe(0);
    expect(owner.own).toBe(legacy.caller);
  });
});
