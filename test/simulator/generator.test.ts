import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, stringifyExact, type GroundTruth, type MessageJson, type Simulator } from '../../src/simulator/index.ts';
import { CALL_LOG, DAY, FakeClock, get, historyDays, login, TO, walkPages } from './helpers.ts';

/** Truth with the random port taken out, for comparing two simulator processes (int64-exact JSON). */
function portless(sim: Simulator): string {
  return stringifyExact(sim.truth()).split(sim.url).join('ORIGIN');
}

describe('seeded generator', () => {
  let sim: Simulator;
  let truth: GroundTruth;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 3, history: historyDays(10, 4000), rateLimits: false });
    truth = sim.truth();
  });
  afterAll(() => sim.close());

  it('is deterministic for a seed and differs between seeds', async () => {
    const twin = await startSimulator({ seed: 3, history: historyDays(10, 4000) });
    const other = await startSimulator({ seed: 4, history: historyDays(10, 4000) });
    try {
      expect(twin.accountId).toBe(sim.accountId);
      expect(portless(twin)).toBe(portless(sim));
      expect(other.accountId).not.toBe(sim.accountId);
      expect(other.truth().calls[0]!.id).not.toBe(truth.calls[0]!.id);
    } finally {
      await Promise.all([twin.close(), other.close()]);
    }
  });

  it('builds the documented company', () => {
    const byType = (t: string) => truth.extensions.filter((e) => e.type === t);
    const users = byType('User');
    expect(users.length).toBeGreaterThanOrEqual(9);
    expect(users.length).toBeLessThanOrEqual(13);
    expect(users.filter((u) => u.status === 'Disabled')).toHaveLength(1);
    expect(byType('Department')).toHaveLength(2);
    expect(byType('IvrMenu')).toHaveLength(1);
    expect(users.map((u) => u.extensionNumber)).toContain('101');
    expect(truth.accountId).toMatch(/^\d{8}$/);
    for (const e of truth.extensions) expect(Number.isSafeInteger(e.id)).toBe(true);
  });

  it('produces every scenario with unique ids', () => {
    const scenarios = new Set(truth.calls.map((c) => c.scenario));
    for (const s of ['inbound-answered', 'inbound-findme-answered', 'queue-answered', 'queue-abandoned', 'inbound-missed', 'voicemail',
      'queue-voicemail', 'shared-voicemail', 'ivr-abandoned', 'outbound-answered', 'outbound-no-answer', 'outbound-busy', 'internal-answered']) {
      expect(scenarios, s).toContain(s);
    }
    const ids = truth.calls.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(truth.calls.map((c) => c.record.sessionId)).size).toBe(ids.length);
    for (const c of truth.calls.slice(0, 50)) {
      expect(c.id).toMatch(/^[0-9A-Za-z]{15}$/);
      expect(c.record.sessionId).toMatch(/^\d+$/);
      expect(c.record.telephonySessionId).toMatch(/^s-/);
      expect(c.record.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('contains the awkward real-world variants clients must handle', () => {
    const records = truth.calls.map((c) => c.record);
    const results = new Set(records.map((r) => r.result));
    expect(results).toContain('Hang Up');
    expect(results).toContain('Hang up');
    const numbers = records.flatMap((r) => [r.from.phoneNumber, r.to.phoneNumber, ...(r.legs ?? []).flatMap((l) => [l.from.phoneNumber, l.to.phoneNumber])]);
    expect(numbers.some((n) => /^\+1\d{6}XXXX$/.test(n ?? ''))).toBe(true);
    expect(numbers.some((n) => /^\(\d{3}\) \d{3}-\d{4}$/.test(n ?? ''))).toBe(true);
    expect(numbers.some((n) => /^1\d{10}$/.test(n ?? ''))).toBe(true);
    expect(records.some((r) => r.shortRecording && !r.recording)).toBe(true);
    expect(records.some((r) => r.recording)).toBe(true);
    expect(records.some((r) => !r.recording && r.legs?.some((l) => l.recording))).toBe(true);
  });

  it('links voicemails on the record, only on a leg, or not at all — truth always knows the call', () => {
    const voicemails = truth.calls.filter((c) => c.expected.disposition === 'VOICEMAIL');
    expect(voicemails.length).toBeGreaterThan(100);
    const onRecord = voicemails.filter((c) => c.record.message);
    const legOnly = voicemails.filter((c) => !c.record.message && c.record.legs?.some((l) => l.message));
    const none = voicemails.filter((c) => !c.record.message && !c.record.legs?.some((l) => l.message));
    expect([onRecord.length, legOnly.length, none.length].every((n) => n > 10)).toBe(true);
    const byCall = new Map(truth.messages.filter((m) => m.leftByCallId).map((m) => [m.leftByCallId!, m]));
    for (const c of voicemails) {
      const truthMessage = byCall.get(c.id);
      expect(truthMessage, c.id).toBeDefined();
      expect(c.expected.voicemailMessageId).toBe(truthMessage!.expected.callId === c.id ? truthMessage!.id : null);
      const ref = c.record.message ?? c.record.legs?.find((l) => l.message)?.message;
      if (ref) expect(ref.id).toBe(truthMessage!.id);
      if (truthMessage!.availability === 'Purged') continue;
      const message = truthMessage!.message as MessageJson;
      if (ref) expect(ref).toMatchObject({ type: 'VoiceMail', uri: message.uri });
      const end = Date.parse(c.record.startTime) + c.record.durationMs;
      const created = Date.parse(message.creationTime);
      expect(created - end).toBeGreaterThanOrEqual(0);
      expect(created - end).toBeLessThan(20_000);
      expect(truthMessage!.id).toMatch(/^\d{12,16}$/);
      expect(message.attachments[0]!.uri.startsWith(`${sim.url}/restapi/v1.0/account/${sim.accountId}/extension/`)).toBe(true);
    }
  });

  it('states expected outcomes consistent with the records', () => {
    for (const c of truth.calls) {
      const recordingIds = [c.record.recording?.id, ...(c.record.legs ?? []).map((l) => l.recording?.id)].filter(Boolean);
      expect(c.expected.recordingId === null ? recordingIds.length === 0 : recordingIds.includes(c.expected.recordingId), c.id).toBe(true);
      if (c.expected.answeredByExtensionId) {
        expect(c.record.legs?.some((l) => String(l.extension?.id) === c.expected.answeredByExtensionId), c.id).toBe(true);
      }
      if (c.record.result === 'In Progress') expect(c.expected.disposition).toBe('UNKNOWN');
    }
    const dispositions = new Set(truth.calls.map((c) => c.expected.disposition));
    for (const d of ['ANSWERED', 'VOICEMAIL', 'MISSED', 'ABANDONED', 'BUSY', 'REJECTED', 'NO_ANSWER', 'BLOCKED', 'FAILED']) expect(dispositions).toContain(d);
  });

  it('makes each record visible 15–30 s after the call ends, later versions after that', () => {
    for (const c of truth.calls) {
      const end = Date.parse(c.record.startTime) + c.record.durationMs;
      expect(Date.parse(c.record.lastModifiedTime!), c.id).toBeGreaterThanOrEqual(end + 15_000);
      expect(Date.parse(c.record.lastModifiedTime!)).toBeLessThan(TO.getTime());
    }
  });
});

describe('late data and release()', () => {
  it('holds back records, modifications and deletions until release, then shows them with lastModifiedTime = now', async () => {
    const clock = new FakeClock(TO.getTime() + DAY);
    const late = { heldFraction: 0.1, modifiedFraction: 0.1, deletedFraction: 0.05 };
    const sim = await startSimulator({ seed: 8, history: historyDays(2, 800), rateLimits: false, clock: clock.fn, late });
    try {
      const token = (await login(sim)).access;
      const window = { dateFrom: new Date(TO.getTime() - 3 * DAY).toISOString(), dateTo: TO.toISOString(), perPage: '1000', view: 'Detailed', showDeleted: 'true' };
      const before = new Map((await walkPages(sim, token, window)).records.map((r) => [r.id, r]));
      expect(sim.stats().calls.held).toBeGreaterThan(100);
      expect(before.size).toBeLessThan(800);
      clock.advance(60_000);
      sim.release();
      expect(sim.stats().calls).toMatchObject({ total: 800, visible: 800, held: 0 });
      const after = (await walkPages(sim, token, window)).records;
      expect(after).toHaveLength(800);
      const now = new Date(clock.now).toISOString();
      const appeared = after.filter((r) => !before.has(r.id));
      const changed = after.filter((r) => before.has(r.id) && JSON.stringify(r) !== JSON.stringify(before.get(r.id)));
      const deleted = changed.filter((r) => r.deleted && !before.get(r.id).deleted);
      expect(appeared.length).toBeGreaterThan(50);
      expect(changed.length).toBeGreaterThan(50);
      expect(deleted.length).toBeGreaterThan(10);
      for (const r of [...appeared, ...changed]) expect(r.lastModifiedTime).toBe(now);
      // The plain list (no showDeleted) now hides the newly deleted records.
      const visible = await walkPages(sim, token, { ...window, showDeleted: 'false' });
      expect(visible.ids.filter((id) => deleted.some((d) => d.id === id))).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});

describe('live mode', () => {
  it('keeps adding calls as time passes; they appear 15–30 s after they end', async () => {
    const clock = new FakeClock(TO.getTime() + DAY);
    const sim = await startSimulator({ seed: 2, history: historyDays(1, 10), rateLimits: false, clock: clock.fn, live: { callsPerMinute: 3000 } });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1300));
      const total = sim.stats().calls.total;
      expect(total).toBeGreaterThan(10);
      expect(sim.truth().calls).toHaveLength(10);
      clock.advance(60 * 60 * 1000);
      const token = (await login(sim)).access;
      const reply = await get(sim, token, CALL_LOG, { view: 'Detailed', perPage: '1000' });
      expect(reply.body.records.length).toBeGreaterThan(0);
      expect(sim.truth().calls.length).toBe(total);
    } finally {
      await sim.close();
    }
  });
});

describe('scale', () => {
  it('generates 100k calls and serves full 1000-record Detailed pages of them', async () => {
    const started = performance.now();
    const sim = await startSimulator({ seed: 1, history: historyDays(30, 100_000), rateLimits: false });
    const generationMs = performance.now() - started;
    try {
      const token = (await login(sim)).access;
      const query = { view: 'Detailed', perPage: '1000', dateFrom: new Date(TO.getTime() - 30 * DAY).toISOString(), dateTo: TO.toISOString() };
      await get(sim, token, CALL_LOG, query); // warm-up
      const times: number[] = [];
      for (const page of ['1', '40', '99']) {
        const t = performance.now();
        const reply = await get(sim, token, CALL_LOG, { ...query, page });
        times.push(performance.now() - t);
        expect(reply.body.records).toHaveLength(1000);
      }
      times.sort((a, b) => a - b);
      console.log(`[simulator scale] 100k calls generated in ${generationMs.toFixed(0)} ms; 1000-record Detailed pages in ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
      // Timings are printed, not asserted: speed is the benchmarks' business (npm run bench:sync).
    } finally {
      await sim.close();
    }
  });
});
