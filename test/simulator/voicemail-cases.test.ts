// Every voicemail situation a linker must get right occurs in a 2,000-call, 3-day seeded history, with
// ground truth saying which call each voicemail belongs to and whether a correct linker can know it.
// Cases are recognised from the data itself (records, message JSON, timelines), not only from tags.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compatibleNumbers,
  startSimulator,
  type CallLogRecord,
  type GroundTruth,
  type MessageJson,
  type Simulator,
  type SimulatorOptions,
  type TruthCall,
  type TruthMessage,
} from '../../src/simulator/index.ts';
import { CALL_LOG, DAY, FakeClock, get, getExact, historyDays, login, messageStore, TO } from './helpers.ts';

const OPTIONS: SimulatorOptions = { seed: 1, history: historyDays(3, 2000), rateLimits: false };
const FROM = TO.getTime() - 3 * DAY;
const AT_LEAST = 3;

let sim: Simulator;
let truth: GroundTruth;
let calls: Map<string, TruthCall>;
const counts: Record<string, number> = {};

beforeAll(async () => {
  sim = await startSimulator(OPTIONS);
  truth = sim.truth();
  calls = new Map(truth.calls.map((c) => [c.id, c]));
});
afterAll(async () => {
  console.log(`[voicemail cases] ${truth.messages.length} voicemails in ${truth.calls.length} calls: ${JSON.stringify(counts)}`);
  await sim.close();
});

/** Records how often a case occurs and demands it occurs at least `min` times. */
function occurs(name: string, found: unknown[], min = AT_LEAST): void {
  counts[name] = found.length;
  expect(found.length, name).toBeGreaterThanOrEqual(min);
}

const full = (m: TruthMessage): MessageJson | undefined => (m.availability === 'Purged' ? undefined : (m.message as MessageJson));
const callOf = (m: TruthMessage): TruthCall | undefined => (m.leftByCallId ? calls.get(m.leftByCallId) : undefined);
const names = (r: CallLogRecord, id: string): { record: boolean; leg: boolean } => ({
  record: r.message?.id === id,
  leg: (r.legs ?? []).some((l) => l.message?.id === id),
});
const masked = (n: string | undefined): boolean => /X/.test(n ?? '');
const digits = (n: string | undefined): string => (n ?? '').replace(/\D/g, '');

describe('ground truth of voicemail links is consistent', () => {
  it('call.expected.voicemailMessageId ⇔ message.expected.callId; reference means the log names it', () => {
    const linked = new Map(truth.messages.filter((m) => m.expected.callId).map((m) => [m.expected.callId!, m]));
    for (const c of truth.calls) expect(c.expected.voicemailMessageId, c.id).toBe(linked.get(c.id)?.id ?? null);
    for (const m of truth.messages) {
      expect(m.linkable).toBe(m.expected.method === 'CALL_LOG_REFERENCE' ? 'reference' : m.expected.method === 'MATCHED' ? 'match' : 'none');
      expect(m.expected.callId === null).toBe(m.expected.method === null);
      expect(m.unlinkableReason === null).toBe(m.expected.method !== null);
      if (m.expected.callId) expect(m.expected.callId).toBe(m.leftByCallId);
      const call = callOf(m);
      const named = call ? names(call.record, m.id) : { record: false, leg: false };
      if (m.expected.method === 'CALL_LOG_REFERENCE') expect(named.record || named.leg, m.id).toBe(true);
      if (m.expected.method === 'MATCHED') expect(named.record || named.leg, m.id).toBe(false);
      expect(m.id).toMatch(/^\d+$/);
      if (m.availability !== 'Purged') expect(String(full(m)!.id)).toBe(String(BigInt(m.id) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(m.id) : BigInt(m.id)));
    }
  });
});

describe('each voicemail case occurs in a 2,000-call history', () => {
  it('1. referenced on the record, only on a leg, or not at all', () => {
    const withCall = truth.messages.filter((m) => callOf(m));
    occurs('1-on-record', withCall.filter((m) => names(callOf(m)!.record, m.id).record));
    occurs('1-leg-only', withCall.filter((m) => !names(callOf(m)!.record, m.id).record && names(callOf(m)!.record, m.id).leg));
    occurs('1-unreferenced', withCall.filter((m) => !names(callOf(m)!.record, m.id).record && !names(callOf(m)!.record, m.id).leg));
    occurs('1-matched', withCall.filter((m) => m.expected.method === 'MATCHED'));
  });

  it('2. the same caller twice within ten minutes, one voicemail, on the second call', () => {
    const repeats = truth.messages.filter((m) => m.tags.includes('repeat-caller'));
    for (const m of repeats) {
      const second = callOf(m)!;
      const first = calls.get(m.relatedCallIds[0]!)!;
      expect(first.expected.disposition).toBe('MISSED');
      expect(first.expected.voicemailMessageId).toBeNull();
      expect(first.record.extension!.id).toBe(second.record.extension!.id);
      expect(String(second.record.extension!.id)).toBe(m.mailboxExtensionId);
      const gap = Date.parse(second.record.startTime) - Date.parse(first.record.startTime);
      expect(gap).toBeGreaterThan(0);
      expect(gap).toBeLessThanOrEqual(10 * 60_000);
      expect(compatibleNumbers(first.record.from.phoneNumber!, second.record.from.phoneNumber!)).toBe(true);
      if (m.expected.callId) expect(m.expected.callId).toBe(second.id);
    }
    occurs('2-repeat-caller', repeats);
    occurs('2-repeat-linked-by-match', repeats.filter((m) => m.expected.method === 'MATCHED'), 1);
  });

  it('3. two callers leave voicemails in one mailbox about a minute apart', () => {
    const pairs = truth.messages.filter((m) =>
      truth.messages.some((o) => o !== m && o.mailboxExtensionId === m.mailboxExtensionId && o.leftByCallId !== m.leftByCallId
        && Math.abs(Date.parse(o.timeline.created) - Date.parse(m.timeline.created)) <= 2 * 60_000
        && digits(callOf(o)?.record.from.phoneNumber) !== digits(callOf(m)?.record.from.phoneNumber)));
    occurs('3-two-callers-one-mailbox', pairs);
    const ambiguous = truth.messages.filter((m) => m.unlinkableReason === 'ambiguous');
    occurs('3-ambiguous-lookalike-masked', ambiguous, 2);
  });

  it('4. masked numbers on the call record and/or the voicemail', () => {
    const vmMasked = truth.messages.filter((m) => masked(full(m)?.from.phoneNumber));
    const callMasked = truth.messages.filter((m) => masked(callOf(m)?.record.from.phoneNumber));
    occurs('4-voicemail-masked', vmMasked);
    occurs('4-call-record-masked', callMasked);
    occurs('4-only-voicemail-masked', vmMasked.filter((m) => callOf(m) && !masked(callOf(m)!.record.from.phoneNumber)));
    occurs('4-only-call-masked', callMasked.filter((m) => full(m) && !masked(full(m)!.from.phoneNumber)), 1);
  });

  it('5. the same number written differently in the call log and the message store', () => {
    const differs = truth.messages.filter((m) => {
      const vm = full(m)?.from.phoneNumber;
      const call = callOf(m)?.record.from.phoneNumber;
      return vm && call && !masked(vm) && !masked(call) && vm !== call && compatibleNumbers(vm, call);
    });
    occurs('5-format-differs', differs);
    const formats = new Set(differs.map((m) => full(m)!.from.phoneNumber!.replace(/\d/g, '9')));
    expect(formats.size).toBeGreaterThanOrEqual(2);
  });

  it('6. anonymous callers: truth knows the call, a matcher cannot link it without a reference', () => {
    const anonymous = truth.messages.filter((m) => full(m) && !/\d/.test(full(m)!.from.phoneNumber ?? '') && callOf(m));
    for (const m of anonymous) {
      expect(callOf(m)!.record.from.phoneNumber).toBeUndefined();
      expect(m.expected.method).not.toBe('MATCHED');
    }
    occurs('6-anonymous', anonymous);
    occurs('6-anonymous-unlinkable', anonymous.filter((m) => m.unlinkableReason === 'anonymous'), 1);
  });

  it('7. voicemails in the queue (Department) mailbox and the shared mailbox', () => {
    const departments = truth.extensions.filter((e) => e.type === 'Department');
    const queue = departments.find((e) => e.extensionNumber === '500')!;
    const shared = departments.find((e) => e.extensionNumber === '501')!;
    occurs('7-queue-mailbox', truth.messages.filter((m) => m.mailboxExtensionId === String(queue.id)));
    occurs('7-shared-mailbox', truth.messages.filter((m) => m.mailboxExtensionId === String(shared.id)));
  });

  it('8. a voicemail whose call lies before the history must stay unlinked', () => {
    const orphans = truth.messages.filter((m) => m.leftByCallId === null);
    for (const m of orphans) {
      expect(m.expected).toEqual({ callId: null, method: null });
      expect(m.unlinkableReason).toBe('call-outside-history');
      const created = Date.parse(m.timeline.created);
      expect(created).toBeGreaterThanOrEqual(FROM);
      // Created within the recording's length of history.from: the call started before it.
      expect(created - (full(m)?.attachments[0]!.vmDuration ?? 0) * 1000).toBeLessThanOrEqual(FROM + 1000);
    }
    occurs('8-call-outside-history', orphans, 2);
  });

  it('9. the voicemail visible before the call record, and the other way round', () => {
    const withCall = truth.messages.filter((m) => m.timeline.callVisible);
    occurs('9-voicemail-first', withCall.filter((m) => m.timeline.visible < m.timeline.callVisible!));
    occurs('9-call-first', withCall.filter((m) => m.timeline.visible > m.timeline.callVisible!));
  });

  it('10. voicemails deleted later: Deleted, or Purged (then only {id, availability})', () => {
    const deleted = truth.messages.filter((m) => m.availability === 'Deleted');
    for (const m of deleted) expect(Date.parse(m.timeline.deleted!)).toBeGreaterThan(Date.parse(m.timeline.visible));
    const purged = truth.messages.filter((m) => m.availability === 'Purged');
    for (const m of purged) expect(Object.keys(m.message).sort()).toEqual(['availability', 'id']);
    occurs('10-deleted', deleted);
    occurs('10-purged', purged, 2);
  });

  it('11. voicemail calls whose record changes after first sight (In Progress → Voicemail, legs or link added)', () => {
    occurs('11-call-result-changed', truth.messages.filter((m) => m.tags.includes('call-result-changed')));
    occurs('11-call-record-changed', truth.messages.filter((m) => m.tags.includes('call-record-changed')));
  });

  it('12. transcription InProgress → final and Unread → Read after creation', () => {
    const transcribed = truth.messages.filter((m) => m.timeline.transcribed && full(m));
    for (const m of transcribed) expect(full(m)!.vmTranscriptionStatus).not.toBe('InProgress');
    occurs('12-transcription-changed', transcribed);
    occurs('12-read-later', truth.messages.filter((m) => m.timeline.read && full(m)?.readStatus === 'Read'));
  });

  it('int64: 10–20% of message ids lie beyond 2^53', () => {
    const big = truth.messages.filter((m) => BigInt(m.id) > 2n ** 53n);
    counts['int64-beyond-2^53'] = big.length;
    expect(big.length / truth.messages.length).toBeGreaterThan(0.08);
    expect(big.length / truth.messages.length).toBeLessThan(0.25);
  });
});

describe('the timing cases over HTTP, with the clock at the moments between', () => {
  async function at(ms: number): Promise<{ sim: Simulator; token: string }> {
    const clock = new FakeClock(ms);
    const s = await startSimulator({ ...OPTIONS, clock: clock.fn });
    return { sim: s, token: (await login(s)).access };
  }
  const midpoint = (a: string, b: string): number => Math.floor((Date.parse(a) + Date.parse(b)) / 2);
  const msg = (m: TruthMessage) => `${messageStore(m.mailboxExtensionId)}/${m.id}`;

  it('9. voicemail in the store while the call log does not have the call yet — and the reverse', async () => {
    const vmFirst = truth.messages.find((m) => m.timeline.callVisible && m.timeline.visible < m.timeline.callVisible)!;
    const early = await at(midpoint(vmFirst.timeline.visible, vmFirst.timeline.callVisible!));
    try {
      expect((await get(early.sim, early.token, msg(vmFirst))).status).toBe(200);
      expect((await get(early.sim, early.token, `${CALL_LOG}/${vmFirst.leftByCallId}`)).status).toBe(404);
      const t = early.sim.truth().messages.find((m) => m.id === vmFirst.id)!;
      expect([t.expected.callId, t.unlinkableReason]).toEqual([null, 'call-not-visible']);
    } finally {
      await early.sim.close();
    }
    const callFirst = truth.messages.find((m) => m.timeline.callVisible && m.timeline.visible > m.timeline.callVisible)!;
    const late = await at(midpoint(callFirst.timeline.callVisible!, callFirst.timeline.visible));
    try {
      expect((await get(late.sim, late.token, `${CALL_LOG}/${callFirst.leftByCallId}`)).status).toBe(200);
      expect((await get(late.sim, late.token, msg(callFirst))).status).toBe(404);
      expect(late.sim.truth().calls.find((c) => c.id === callFirst.leftByCallId)!.expected.voicemailMessageId).toBeNull();
    } finally {
      await late.sim.close();
    }
  });

  it('11 and 12. first sight: call "In Progress" naming no voicemail; voicemail Unread with transcription InProgress', async () => {
    const changing = truth.messages.find((m) => m.tags.includes('call-result-changed') && m.timeline.transcribed && m.timeline.read && m.timeline.callVisible)!;
    expect(changing).toBeDefined();
    const first = Math.max(Date.parse(changing.timeline.callVisible!), Date.parse(changing.timeline.visible));
    const early = await at(first);
    try {
      const call = (await get(early.sim, early.token, `${CALL_LOG}/${changing.leftByCallId}`, { view: 'Detailed' })).body;
      expect(call.result).toBe('In Progress');
      expect(names(call, changing.id)).toEqual({ record: false, leg: false });
      const vm = (await getExact(early.sim, early.token, msg(changing))).body;
      expect([vm.readStatus, vm.vmTranscriptionStatus]).toEqual(['Unread', 'InProgress']);
      expect(Date.parse(vm.lastModifiedTime)).toBeLessThan(Date.parse(full(changing)!.lastModifiedTime));
    } finally {
      await early.sim.close();
    }
    expect(calls.get(changing.leftByCallId!)!.record.result).toBe('Voicemail');
    expect([full(changing)!.readStatus, full(changing)!.vmTranscriptionStatus]).toEqual(['Read', expect.not.stringMatching(/^InProgress$/)]);
  });
});
