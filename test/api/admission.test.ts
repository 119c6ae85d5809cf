import { describe, expect, it } from 'vitest';
import { createAdmission, type Admission, type Admitted, type Refused } from '../../src/api/admission.ts';

/** Enters and reports whether the place came at once (a settled promise), without waiting for one. */
async function enterNow(admission: Admission, key: string, signal?: AbortSignal) {
  const entered = admission.enter(key, signal);
  const outcome = await Promise.race([entered, new Promise<'waiting'>((resolve) => setImmediate(() => resolve('waiting')))]);
  return { entered, outcome };
}

const isAdmitted = (x: unknown): x is Admitted => typeof x === 'object' && x !== null && 'release' in x;

describe('admission', () => {
  it('admits up to perKey requests of a key at once, queues queuedPerKey more and refuses the next, naming the counts', async () => {
    const admission = createAdmission({ total: 10, perKey: 2, queuedPerKey: 3 });
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push((await enterNow(admission, 'a')).outcome);
    expect(outcomes.slice(0, 2).every(isAdmitted)).toBe(true);
    expect(outcomes.slice(2, 5)).toEqual(['waiting', 'waiting', 'waiting']);
    expect(outcomes[5]).toEqual({ refused: 'queue-full', running: 2, queued: 3, limits: { total: 10, perKey: 2, queuedPerKey: 3 } } satisfies Refused);
    expect(admission.snapshot()).toEqual({ running: 2, queued: 3, keys: { a: { running: 2, queued: 3 } } });
  });

  it('lets another key in while one key is at its limit', async () => {
    const admission = createAdmission({ total: 3, perKey: 2, queuedPerKey: 100 });
    for (let i = 0; i < 50; i++) void admission.enter('flood');
    expect(isAdmitted((await enterNow(admission, 'light')).outcome)).toBe(true);
    expect(admission.snapshot()).toMatchObject({ running: 3, keys: { flood: { running: 2, queued: 48 }, light: { running: 1, queued: 0 } } });
  });

  it('never lets one key hold every place, even when it asks first and alone', async () => {
    const admission = createAdmission({ total: 5, perKey: 4, queuedPerKey: 100 });
    for (let i = 0; i < 100; i++) void admission.enter('flood');
    expect(admission.snapshot().running).toBe(4);
  });

  it('gives a freed place to the waiting key served least recently, not to the key that asked most', async () => {
    const admission = createAdmission({ total: 2, perKey: 2, queuedPerKey: 100 });
    const a1 = (await admission.enter('a')) as Admitted;
    const a2 = (await admission.enter('a')) as Admitted;
    const order: string[] = [];
    for (let i = 0; i < 3; i++) void admission.enter('a').then((p) => (order.push('a'), (p as Admitted).release()));
    const b = admission.enter('b').then((p) => (order.push('b'), p as Admitted));
    const c = admission.enter('c').then((p) => (order.push('c'), p as Admitted));
    a1.release();
    a2.release();
    await Promise.all([b, c]);
    // Both free places went to b and c (never served) before a's queue, which then runs one by one.
    expect(order.slice(0, 2).sort()).toEqual(['b', 'c']);
    (await b).release();
    (await c).release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([...order.slice(0, 2), 'a', 'a', 'a']);
    expect(admission.snapshot()).toEqual({ running: 0, queued: 0, keys: {} });
  });

  it('alternates between two flooding keys', async () => {
    const admission = createAdmission({ total: 1, perKey: 1, queuedPerKey: 100 });
    const first = (await admission.enter('a')) as Admitted;
    const order: string[] = [];
    const all: Array<Promise<unknown>> = [];
    for (let i = 0; i < 4; i++) all.push(admission.enter('a').then((p) => (order.push('a'), (p as Admitted).release())));
    for (let i = 0; i < 4; i++) all.push(admission.enter('b').then((p) => (order.push('b'), (p as Admitted).release())));
    first.release();
    await Promise.all(all);
    expect(order).toEqual(['b', 'a', 'b', 'a', 'b', 'a', 'b', 'a']);
  });

  it('holds to the total across keys', async () => {
    const admission = createAdmission({ total: 2, perKey: 2, queuedPerKey: 5 });
    const a = (await admission.enter('a')) as Admitted;
    expect(isAdmitted(await admission.enter('b'))).toBe(true);
    const { entered, outcome } = await enterNow(admission, 'c');
    expect(outcome).toBe('waiting');
    a.release();
    expect(isAdmitted(await entered)).toBe(true);
  });

  it('takes a waiting request off the queue when its signal aborts, and frees its place for others', async () => {
    const admission = createAdmission({ total: 1, perKey: 1, queuedPerKey: 1 });
    const held = (await admission.enter('a')) as Admitted;
    const controller = new AbortController();
    const waiting = admission.enter('a', controller.signal);
    expect(admission.snapshot().queued).toBe(1);
    controller.abort(new Error('request timed out'));
    await expect(waiting).rejects.toThrow('request timed out');
    expect(admission.snapshot()).toEqual({ running: 1, queued: 0, keys: { a: { running: 1, queued: 0 } } });
    // Its queue place is free again.
    const next = admission.enter('a');
    held.release();
    held.release(); // a second release changes nothing
    expect(isAdmitted(await next)).toBe(true);
    expect(admission.snapshot().running).toBe(1);
  });

  it('refuses at once a request whose signal has already aborted', async () => {
    const admission = createAdmission({ total: 1, perKey: 1, queuedPerKey: 1 });
    await expect(admission.enter('a', AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(admission.snapshot()).toEqual({ running: 0, queued: 0, keys: {} });
  });

  it('refuses limits that cannot work', () => {
    expect(() => createAdmission({ total: 0, perKey: 1, queuedPerKey: 0 })).toThrow(/total must be a whole number of at least 1/);
    expect(() => createAdmission({ total: 5, perKey: 1.5, queuedPerKey: 0 })).toThrow(/perKey/);
    expect(() => createAdmission({ total: 5, perKey: 1, queuedPerKey: -1 })).toThrow(/queuedPerKey/);
  });
});
