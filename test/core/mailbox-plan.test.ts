import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mailboxesToCheck, planMailboxReads, type MailboxState, type MailboxPlanOptions } from '../../src/core/mailbox-plan.ts';
import { at, makeCallFacts, makeLeg, USER_EXT } from './builders.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = at(0);
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const box = (id: string, o: Partial<MailboxState> = {}): MailboxState => ({ id, evidenceAt: null, noticedAt: null, readStartedDbAt: null, namedAt: null, readStartedAt: ago(HOUR), forbidden: false, ...o });
const opts = (o: Partial<MailboxPlanOptions> = {}): MailboxPlanOptions => ({
  now: NOW, sweepMs: 6 * HOUR, voicemailWindowMs: 10 * MIN, sincePreviousPassMs: 5 * MIN, maxReads: 40, ...o,
});

describe('planMailboxReads', () => {
  it.each([
    ['the call log names a voicemail in it that is not stored', box('a', { namedAt: ago(2 * MIN), readStartedAt: ago(MIN) }), 'named'],
    ['a call ended after the last read', box('a', { evidenceAt: ago(2 * MIN), readStartedAt: ago(5 * MIN) }), 'new-evidence'],
    ['an old call whose record showed up (or changed) after the last read', box('a', { evidenceAt: ago(5 * HOUR), noticedAt: ago(MIN), readStartedDbAt: ago(5 * MIN), readStartedAt: ago(5 * MIN) }), 'new-evidence'],
    ['read since the call, but the voicemail window is still open', box('a', { evidenceAt: ago(4 * MIN), readStartedAt: ago(1 * MIN) }), 'voicemail-window'],
    ['never read', box('a', { readStartedAt: null }), 'first-read'],
    ['not read for a whole sweep period', box('a', { readStartedAt: ago(7 * HOUR) }), 'overdue'],
  ] as const)('%s → %s', (_, mailbox, reason) => {
    expect(planMailboxReads([mailbox], opts({ sincePreviousPassMs: undefined }))).toEqual([{ id: 'a', reason }]);
  });

  it('does not read again for a record it has already seen (noticed before the last read, on the database clock)', () => {
    const seen = box('a', { evidenceAt: ago(5 * HOUR), noticedAt: ago(6 * MIN), readStartedDbAt: ago(5 * MIN), readStartedAt: ago(5 * MIN) });
    expect(planMailboxReads([seen], opts({ sincePreviousPassMs: undefined }))).toEqual([]);
  });

  it('reads nothing without a reason before its turn', () => {
    const quiet = box('a', { evidenceAt: ago(30 * MIN), readStartedAt: ago(15 * MIN) });
    expect(planMailboxReads([quiet], opts({ sincePreviousPassMs: undefined }))).toEqual([]);
  });

  it('never reads a mailbox RingCentral refuses', () => {
    expect(planMailboxReads([box('a', { forbidden: true, readStartedAt: null, evidenceAt: ago(MIN) })], opts())).toEqual([]);
  });

  it('puts named voicemails and fresh evidence first, newest call first (an old backlog after today\'s calls), and cuts the rest at maxReads', () => {
    const boxes = [
      box('old', { readStartedAt: null }), box('b', { evidenceAt: ago(3 * MIN), readStartedAt: ago(HOUR) }), box('c', { readStartedAt: ago(7 * HOUR) }),
      box('d', { evidenceAt: ago(MIN), readStartedAt: ago(HOUR) }), box('e', { namedAt: ago(9 * HOUR) }), box('f', { namedAt: ago(MIN / 2) }),
    ];
    expect(planMailboxReads(boxes, opts({ maxReads: 5 }))).toEqual([
      { id: 'f', reason: 'named' }, { id: 'd', reason: 'new-evidence' }, { id: 'b', reason: 'new-evidence' }, { id: 'e', reason: 'named' }, { id: 'old', reason: 'first-read' },
    ]);
  });

  it('sweeps N × elapsed / period mailboxes a pass, least recently read first', () => {
    const boxes = Array.from({ length: 72 }, (_, i) => box(`m${String(i).padStart(2, '0')}`, { readStartedAt: ago((i % 36) * MIN + MIN) }));
    const plan = planMailboxReads(boxes, opts({ sincePreviousPassMs: 30 * MIN }));
    expect(plan).toHaveLength(6);
    expect(plan.every((p) => p.reason === 'sweep')).toBe(true);
    const readAgo = plan.map((p) => boxes.find((b) => b.id === p.id)!.readStartedAt!.getTime());
    expect(Math.max(...readAgo)).toBeLessThanOrEqual(Math.min(...boxes.filter((b) => !plan.some((p) => p.id === b.id)).map((b) => b.readStartedAt!.getTime())));
  });

  it('property: from a first pass on, every mailbox is read within the sweep period, never more than maxReads a pass', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 20 }), (count, intervalMin, extra) => {
      const sweepMs = 6 * HOUR;
      const state = new Map(Array.from({ length: count }, (_, i) => [`m${i}`, box(`m${i}`, { readStartedAt: null })]));
      // Enough reads a pass for the rotation's rate, twice over, so a backlog can clear.
      const maxReads = 2 * Math.ceil((count * intervalMin * MIN) / sweepMs) + extra;
      let now = NOW.getTime();
      for (let pass = 0; pass < (3 * sweepMs) / (intervalMin * MIN); pass++) {
        now += intervalMin * MIN;
        const plan = planMailboxReads([...state.values()], opts({ now: new Date(now), sweepMs, sincePreviousPassMs: pass === 0 ? undefined : intervalMin * MIN, maxReads }));
        if (plan.length > maxReads) return false;
        for (const p of plan) state.set(p.id, { ...state.get(p.id)!, readStartedAt: new Date(now) });
        const firstRoundDone = [...state.values()].every((m) => m.readStartedAt);
        if (firstRoundDone) for (const m of state.values()) if (now - m.readStartedAt!.getTime() > sweepMs + intervalMin * MIN) return false;
      }
      return [...state.values()].every((m) => m.readStartedAt);
    }), { numRuns: 60 });
  });
});

describe('mailboxesToCheck', () => {
  const hasMailbox = (id: string) => id !== 'IVR';
  it('names every mailbox an unanswered inbound call rang, but not extensions without one', () => {
    const call = makeCallFacts({
      result: 'Missed', extensionId: 'QUEUE', legs: [
        makeLeg({ master: true, extensionId: 'IVR', result: 'Accepted', durationMs: 10_000 }),
        makeLeg({ position: 1, extensionId: 'QUEUE', result: 'Missed', startTime: at(10), durationMs: 90_000 }),
        makeLeg({ position: 2, extensionId: USER_EXT, result: 'Missed', startTime: at(10), durationMs: 90_000 }),
      ],
    });
    expect(mailboxesToCheck(call, hasMailbox)).toEqual(['QUEUE', USER_EXT].sort());
  });

  it.each([
    ['an answered call', makeCallFacts({ result: 'Accepted' })],
    ['an outbound call', makeCallFacts({ direction: 'Outbound', result: 'No Answer' })],
    ['a call whose log names its message (fetched by id)', makeCallFacts({ result: 'Voicemail', messageId: '1' })],
    ['a call whose leg names its message', makeCallFacts({ result: 'Missed', legs: [makeLeg({ result: 'Voicemail', messageId: '2' })] })],
    ['a deleted call', makeCallFacts({ result: 'Missed', deleted: true })],
  ])('none for %s', (_, call) => {
    expect(mailboxesToCheck(call, hasMailbox)).toEqual([]);
  });

  it('names the mailbox of a missed call', () => {
    expect(mailboxesToCheck(makeCallFacts({ result: 'Missed' }), hasMailbox)).toEqual([USER_EXT]);
  });
});
