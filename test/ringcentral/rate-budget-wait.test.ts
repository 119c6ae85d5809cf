import { describe, expect, it } from 'vitest';
import { RateBudget, type RateWait } from '../../src/ringcentral/rate-budget.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

describe('RateBudget wait events', () => {
  it('tells listeners when a request starts waiting for its group, for how long, and when the wait is over', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget(clock);
    const waits: RateWait[] = [];
    budget.onWait((wait) => waits.push(wait));
    budget.observe('Heavy', { limit: 2, windowSec: 10, remaining: 2 });
    await budget.acquire('Heavy');
    await budget.acquire('Heavy');
    expect(waits).toEqual([]);
    await budget.acquire('Heavy');
    expect(waits).toEqual([{ group: 'Heavy', ms: clock.waits[0] }, { group: 'Heavy', ms: 0 }]);
    expect(waits[0]!.ms).toBeGreaterThanOrEqual(10_000);
  });

  it('reports the wait a 429 imposes, and stops telling a listener that unsubscribed', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget(clock);
    const waits: RateWait[] = [];
    const unsubscribe = budget.onWait((wait) => waits.push(wait));
    budget.penalize('Light', 30_000);
    await budget.acquire('Light');
    expect(waits.map((w) => w.group)).toEqual(['Light', 'Light']);
    expect(waits[0]!.ms).toBeGreaterThanOrEqual(30_000);
    unsubscribe();
    budget.penalize('Light', 30_000);
    await budget.acquire('Light');
    expect(waits).toHaveLength(2);
  });

  it('ends the wait it announced when the request is cancelled while waiting', async () => {
    // A clock that never wakes: only the stop ends the wait.
    const sleep = (_ms: number, signal?: AbortSignal) => new Promise<void>((_resolve, reject) => signal!.addEventListener('abort', () => reject(new Error('stopped'))));
    const budget = new RateBudget({ now: () => 0, sleep });
    const controller = new AbortController();
    const waits: RateWait[] = [];
    budget.onWait((wait) => {
      waits.push(wait);
      if (wait.ms > 0) queueMicrotask(() => controller.abort());
    });
    budget.penalize('Heavy', 5_000);
    const pending = budget.acquire('Heavy', controller.signal);
    await expect(pending).rejects.toThrow('stopped');
    expect(waits.map((w) => w.ms > 0)).toEqual([true, false]);
  });
});
