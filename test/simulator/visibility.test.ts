import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { FakeClock, historyDays, TO } from './helpers.ts';

describe('visibility()', () => {
  const clock = new FakeClock(TO.getTime() - 12 * 3_600_000);
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, history: historyDays(1, 300), clock: clock.fn, rateLimits: false });
  });
  afterAll(() => sim.close());

  it('lists exactly the calls the truth shows now, each visible at or before now, oldest first', () => {
    const listed = sim.visibility();
    expect(listed.length).toBeGreaterThan(0);
    expect(new Set(listed.map((c) => c.id))).toEqual(new Set(sim.truth().calls.map((c) => c.id)));
    for (const c of listed) expect(c.visibleAt).toBeLessThanOrEqual(clock.now);
    expect(listed.map((c) => c.visibleAt)).toEqual([...listed.map((c) => c.visibleAt)].sort((a, b) => a - b));
  });

  it('shows calls as time reveals them, with when they appeared, and only those since the time asked', () => {
    const before = clock.now;
    const seen = new Set(sim.visibility().map((c) => c.id));
    clock.advance(3_600_000);
    const revealed = sim.visibility(before + 1);
    expect(revealed.length).toBeGreaterThan(0);
    for (const c of revealed) {
      expect(seen.has(c.id)).toBe(false);
      expect(c.visibleAt).toBeGreaterThan(before);
      expect(c.visibleAt).toBeLessThanOrEqual(clock.now);
    }
    expect(new Set(sim.visibility().map((c) => c.id))).toEqual(new Set([...seen, ...revealed.map((c) => c.id)]));
  });

  it('gives a modification time once the later version is visible, never before', () => {
    const listed = sim.visibility();
    const modified = listed.filter((c) => c.modifiedAt !== null);
    expect(modified.length).toBeGreaterThan(0);
    for (const c of modified) {
      expect(c.modifiedAt!).toBeGreaterThanOrEqual(c.visibleAt);
      expect(c.modifiedAt!).toBeLessThanOrEqual(clock.now);
    }
  });
});
