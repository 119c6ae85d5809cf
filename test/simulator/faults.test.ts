import { afterEach, describe, expect, it } from 'vitest';
import { parseExact, startSimulator, type GroundTruth, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { CALL_LOG, get, historyDays, login } from './helpers.ts';

let sim: Simulator;
let token: string;

async function start(opts: SimulatorOptions = {}): Promise<void> {
  sim = await startSimulator({ history: historyDays(1, 100), rateLimits: false, ...opts });
  token = (await login(sim)).access;
}

afterEach(() => sim?.close());

async function admin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sim.url}/__sim/${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // parseExact: ground truth carries int64 message ids beyond 2^53.
  return { status: res.status, body: parseExact(await res.text()) };
}

describe('faults', () => {
  it('serverErrors fails the next N requests of a group with 503 CMN-201, then recovers', async () => {
    await start();
    sim.faults.serverErrors = { count: 2, group: 'Heavy' };
    expect((await get(sim, token, '/restapi/v1.0/account/~')).status).toBe(200);
    const failed = await get(sim, token, CALL_LOG);
    expect(failed.status).toBe(503);
    expect(failed.body.errors[0].errorCode).toBe('CMN-201');
    expect(failed.headers.get('x-rate-limit-group')).toBe('heavy');
    expect((await get(sim, token, CALL_LOG)).status).toBe(503);
    expect((await get(sim, token, CALL_LOG)).status).toBe(200);
    sim.faults.serverErrors = { count: 1, status: 500 };
    const internal = await get(sim, token, '/restapi/v1.0/account/~');
    expect([internal.status, internal.body.errorCode]).toEqual([500, 'CMN-203']);
    expect(sim.stats().serverErrorsInjected).toBe(3);
  });

  it('serverErrors with a probability fails only some requests, reproducibly for a seed', async () => {
    const run = async (): Promise<number[]> => {
      await start({ seed: 77 });
      sim.faults.serverErrors = { count: 1000, probability: 0.3 };
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await get(sim, token, '/restapi/v1.0/account/~')).status);
      await sim.close();
      return statuses;
    };
    const first = await run();
    expect(first.filter((s) => s === 503).length).toBeGreaterThan(2);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(10);
    expect(await run()).toEqual(first);
  });

  it('slow adds latency to the next N requests', async () => {
    await start();
    sim.faults.slow = { ms: 150, count: 1 };
    let t = performance.now();
    await get(sim, token, CALL_LOG);
    expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    t = performance.now();
    await get(sim, token, CALL_LOG);
    expect(performance.now() - t).toBeLessThan(140);
  });
});

describe('admin endpoints for another process', () => {
  it('POST /__sim/faults sets and clears faults, rejecting bad bodies', async () => {
    await start();
    const set = await admin('POST', 'faults', { serverErrors: { count: 1, group: 'Light' }, rateLimitStorm: { group: 'Heavy', count: 1 } });
    expect(set.status).toBe(200);
    expect(set.body.serverErrors).toEqual({ count: 1, group: 'Light' });
    expect((await get(sim, token, CALL_LOG)).status).toBe(429);
    expect((await get(sim, token, '/restapi/v1.0/account/~')).status).toBe(503);
    expect((await admin('POST', 'faults', { slow: { ms: 5 } })).body.slow).toEqual({ ms: 5 });
    expect((await admin('POST', 'faults', { clear: true })).body).toEqual({ serverErrors: null, slow: null, rateLimitStorm: null });
    const bad = await admin('POST', 'faults', { serverErrors: { count: -1 }, typo: true });
    expect(bad.status).toBe(400);
    expect(bad.body.problems.length).toBeGreaterThan(0);
  });

  it('POST /__sim/faults {revokeTokens} and /__sim/revoke-tokens end every session', async () => {
    await start();
    await admin('POST', 'faults', { revokeTokens: true });
    expect((await get(sim, token, CALL_LOG)).body.errors[0].errorCode).toBe('OAU-213');
    token = (await login(sim)).access;
    await admin('POST', 'revoke-tokens');
    expect((await get(sim, token, CALL_LOG)).status).toBe(401);
  });

  it('GET /__sim/truth equals truth(); GET /__sim/stats counts requests; POST /__sim/release releases', async () => {
    await start({ late: { heldFraction: 0.2, modifiedFraction: 0, deletedFraction: 0 } });
    const truth = (await admin('GET', 'truth')).body as GroundTruth;
    expect(truth).toEqual(sim.truth());
    expect(truth.calls.length).toBeLessThan(100);
    await get(sim, token, CALL_LOG);
    const stats = (await admin('GET', 'stats')).body;
    expect(stats.requests).toEqual({ Heavy: 1, Medium: 0, Light: 0, Auth: 1 });
    expect(stats.calls.held).toBe(100 - truth.calls.length);
    expect((await admin('POST', 'release')).body.released).toBe(100 - truth.calls.length);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sim.truth().calls).toHaveLength(100);
    expect((await admin('GET', 'nope')).status).toBe(404);
  });
});
