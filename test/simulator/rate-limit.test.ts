import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { CALL_LOG, FakeClock, get, historyDays, login } from './helpers.ts';

const RATE_BODY = { errorCode: 'CMN-301', message: 'Request rate exceeded', errors: [{ errorCode: 'CMN-301', message: 'Request rate exceeded' }] };
let sim: Simulator;
let clock: FakeClock;

async function start(opts: SimulatorOptions = {}): Promise<string> {
  clock = new FakeClock(Date.parse('2026-11-21T00:00:00Z'));
  sim = await startSimulator({ history: historyDays(1, 30), clock: clock.fn, ...opts });
  return (await login(sim)).access;
}

afterEach(() => sim?.close());

describe('rate limits', () => {
  it('answers 429 CMN-301 with Retry-After once the group bucket is used up', async () => {
    const token = await start({ rateLimits: { Heavy: { limit: 3, windowSec: 1, penaltySec: 2 } } });
    for (let i = 0; i < 3; i++) {
      const ok = await get(sim, token, CALL_LOG);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-rate-limit-remaining')).toBe(String(2 - i));
    }
    const limited = await get(sim, token, CALL_LOG);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual(RATE_BODY);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(limited.headers.get('x-rate-limit-group')?.toLowerCase()).toBe('heavy');
    expect(sim.stats().rateLimited.Heavy).toBe(1);
    // Other groups have their own buckets.
    expect((await get(sim, token, '/restapi/v1.0/account/~')).status).toBe(200);
  });

  it('restarts the penalty on every request made during it', async () => {
    const token = await start({ rateLimits: { Heavy: { limit: 1, windowSec: 1, penaltySec: 1 } } });
    expect((await get(sim, token, CALL_LOG)).status).toBe(200);
    expect((await get(sim, token, CALL_LOG)).status).toBe(429); // penalty until t+1s
    clock.advance(900);
    expect((await get(sim, token, CALL_LOG)).status).toBe(429); // restarts: until t+1.9s
    clock.advance(900);
    expect((await get(sim, token, CALL_LOG)).status).toBe(429); // would have been free without the restart
    clock.advance(1001);
    expect((await get(sim, token, CALL_LOG)).status).toBe(200);
    expect(sim.stats().rateLimitedTotal).toBe(3);
  });

  it('slides the window: old requests stop counting', async () => {
    const token = await start({ rateLimits: { Heavy: { limit: 2, windowSec: 10, penaltySec: 5 } } });
    await get(sim, token, CALL_LOG);
    clock.advance(6_000);
    await get(sim, token, CALL_LOG);
    clock.advance(4_500); // the first request left the window
    expect((await get(sim, token, CALL_LOG)).status).toBe(200);
  });

  it('limits the token endpoint in the Auth group (default 5/min)', async () => {
    await start();
    for (let i = 0; i < 4; i++) await login(sim);
    const res = await fetch(`${sim.url}/restapi/oauth/token`, { method: 'POST' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(res.headers.get('x-rate-limit-group')).toBe('Auth');
  });

  it('sends RingCentral default limits in headers', async () => {
    const token = await start({});
    const reply = await get(sim, token, CALL_LOG);
    expect(reply.headers.get('x-rate-limit-limit')).toBe('10');
    expect(reply.headers.get('x-rate-limit-window')).toBe('60');
    expect(reply.headers.get('x-rate-limit-remaining')).toBe('9');
    const medium = await get(sim, token, '/restapi/v1.0/account/~/extension');
    expect([medium.headers.get('x-rate-limit-group'), medium.headers.get('x-rate-limit-limit')]).toEqual(['Medium', '40']);
  });

  it('never limits when rateLimits is false, and announces a budget no client exhausts', async () => {
    const token = await start({ rateLimits: false });
    for (let i = 0; i < 15; i++) {
      const reply = await get(sim, token, CALL_LOG);
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-rate-limit-limit')).toBe('1000000');
      expect(reply.headers.get('x-rate-limit-remaining')).toBe(String(1_000_000 - 1 - i));
    }
  });

  it('rateLimitStorm forces 429s for the next N requests of a group', async () => {
    const token = await start({ rateLimits: { Heavy: { limit: 100, windowSec: 1, penaltySec: 1 } } });
    sim.faults.rateLimitStorm = { group: 'Heavy', count: 2 };
    const first = await get(sim, token, CALL_LOG);
    expect(first.status).toBe(429);
    expect(first.body).toEqual(RATE_BODY);
    expect(first.headers.get('retry-after')).toBe('1');
    expect((await get(sim, token, '/restapi/v1.0/account/~')).status).toBe(200);
    expect((await get(sim, token, CALL_LOG)).status).toBe(429);
    expect((await get(sim, token, CALL_LOG)).status).toBe(200);
    expect(sim.faults.rateLimitStorm).toBeNull();
  });
});
