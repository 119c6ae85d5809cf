import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, RateBudget } from '../../src/ringcentral/rate-budget.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

describe('RateBudget', () => {
  it('lets the announced number of requests through at once, then waits for the window', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget(clock);
    for (let i = 0; i < 10; i++) await budget.acquire('Heavy');
    expect(clock.waits).toEqual([]);
    await budget.acquire('Heavy');
    expect(clock.waits).toHaveLength(1);
    expect(clock.waits[0]).toBeGreaterThanOrEqual(60_000);
  });

  it('keeps groups independent', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget(clock);
    for (let i = 0; i < 10; i++) await budget.acquire('Heavy');
    for (let i = 0; i < 50; i++) await budget.acquire('Light');
    expect(clock.waits).toEqual([]);
    expect(budget.delayFor('Heavy')).toBeGreaterThan(0);
    expect(budget.delayFor('Medium')).toBe(0);
  });

  it('adopts the limit and window from the headers', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget(clock);
    budget.observe('Heavy', { limit: 3, windowSec: 10, remaining: 3 });
    for (let i = 0; i < 3; i++) await budget.acquire('Heavy');
    await budget.acquire('Heavy');
    expect(clock.waits).toHaveLength(1);
    expect(clock.waits[0]).toBeGreaterThanOrEqual(10_000);
    expect(clock.waits[0]).toBeLessThan(11_000);
  });

  it('counts requests others made when the server reports less remaining budget than expected', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget(clock);
    await budget.acquire('Heavy');
    budget.observe('Heavy', { limit: 10, remaining: 2, windowSec: 60 });
    await budget.acquire('Heavy');
    await budget.acquire('Heavy');
    expect(clock.waits).toEqual([]);
    await budget.acquire('Heavy');
    expect(clock.waits).toHaveLength(1);
  });

  it('blocks the whole group for Retry-After after a 429', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget(clock);
    budget.penalize('Light', 30_000);
    expect(budget.delayFor('Light')).toBeGreaterThanOrEqual(30_000);
    await budget.acquire('Light');
    expect(clock.waits[0]).toBeGreaterThanOrEqual(30_000);
  });

  it('waits a full window when the server says nothing remains', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget(clock);
    budget.observe('Medium', { limit: 40, remaining: 0, windowSec: 60 });
    expect(budget.delayFor('Medium')).toBeGreaterThanOrEqual(60_000);
  });

  it('never waits when disabled', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget(clock, false);
    for (let i = 0; i < 100; i++) await budget.acquire('Heavy');
    expect(clock.waits).toEqual([]);
  });

  it('never lets more than `limit` requests into any window, whatever the arrival pattern', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 60 }), async (gaps) => {
        const clock = new FakeClock(0);
        const budget = new RateBudget(clock);
        const sentAt: number[] = [];
        for (const gap of gaps) {
          clock.time += gap;
          await budget.acquire('Heavy');
          sentAt.push(clock.time);
        }
        const { limit, windowSec } = DEFAULT_LIMITS.Heavy;
        for (let i = 0; i < sentAt.length; i++) {
          const inWindow = sentAt.filter((t) => t >= sentAt[i]! && t < sentAt[i]! + windowSec * 1000).length;
          expect(inWindow).toBeLessThanOrEqual(limit);
        }
      }),
    );
  });
});
