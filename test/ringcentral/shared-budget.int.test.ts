import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RateGroup } from '../../src/errors.ts';
import { silentLogger } from '../../src/logger.ts';
import { RequestMeter, RingCentralClient } from '../../src/ringcentral/client.ts';
import type { RingCentralEvent } from '../../src/ringcentral/observer.ts';
import { DEFAULT_LIMITS } from '../../src/ringcentral/rate-budget.ts';
import type { SharedRateBudget } from '../../src/ringcentral/shared-rate-budget.ts';
import { startSimulator, type RateLimitSpec, type SimulatedRequest, type Simulator } from '../../src/simulator/index.ts';
import { sharedAuthSession } from '../../src/store/auth-sessions.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { sharedRateBudget } from '../../src/store/rate-ledger.ts';
import { createTestDatabase, databaseKind, type TestDatabase } from '../helpers/database.ts';
import { FAST_RETRY } from '../helpers/harness.ts';
import { get, historyDays, login } from '../simulator/helpers.ts';
import { sessionKeyring } from './session-load.ts';

const ACCOUNT = '/restapi/v1.0/account/~';
const CALL_LOG = '/restapi/v1.0/account/~/call-log';
/** Where each group is spent: the account (Light) and a one-record call-log page (Heavy). */
const PATHS: Partial<Record<RateGroup, [string, Record<string, number>]>> = { Light: [ACCOUNT, {}], Heavy: [CALL_LOG, { perPage: 1 }] };

let testDb: TestDatabase;
let sim: Simulator | undefined;
let log: SimulatedRequest[] = [];
const handles: Database[] = [];
let keys = 0;

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const db of handles.splice(0)) await db.close();
});

type Limits = Partial<Record<RateGroup, Partial<RateLimitSpec>>>;

async function simulator(rateLimits: Limits): Promise<Simulator> {
  log = [];
  sim = await startSimulator({ history: historyDays(1, 20), rateLimits, onRequest: (r) => log.push(r) });
  return sim;
}

/** A handle on the test database: on PostgreSQL each its own pool, like another process's; PGlite has one. */
async function handle(): Promise<Database> {
  if (!testDb.url) return testDb.database;
  const db = await openDatabase({ url: testDb.url });
  handles.push(db);
  return db;
}

interface Peer {
  client: RingCentralClient;
  budget: SharedRateBudget;
  meter: RequestMeter;
  events: RingCentralEvent[];
}

/**
 * Independent clients of one credential, each on its own handle with its own memory: they share only the
 * database (the session and the rate ledger). `defaults` is what each believes the limits are until told.
 */
async function peers(s: Simulator, count: number, defaults: Limits = {}): Promise<Peer[]> {
  const key = `shared-budget-${++keys}`;
  const credentials = { serverUrl: s.url, ...s.credentials };
  const limits = Object.fromEntries(
    Object.entries(DEFAULT_LIMITS).map(([g, d]) => [g, { limit: defaults[g as RateGroup]?.limit ?? d.limit, windowSec: defaults[g as RateGroup]?.windowSec ?? d.windowSec }]),
  ) as typeof DEFAULT_LIMITS;
  const out: Peer[] = [];
  for (let i = 0; i < count; i++) {
    const database = await handle();
    const budget = sharedRateBudget(database, key, { limits });
    const events: RingCentralEvent[] = [];
    const client = new RingCentralClient({
      credentials,
      budget,
      logger: silentLogger,
      session: sharedAuthSession(database, key, { keyring: sessionKeyring(credentials), logger: silentLogger }),
      retry: FAST_RETRY,
      observer: (e) => events.push(e),
    });
    out.push({ client, budget, meter: new RequestMeter(), events });
  }
  return out;
}

const request = (peer: Peer, group: RateGroup) => peer.client.get(PATHS[group]![0], PATHS[group]![1], group, peer.meter);

/** Requests the simulator counted against `group` (a 429 or an unidentified caller's 401 is not counted). */
const counted = (group: RateGroup) => log.filter((r) => r.group === group && r.status !== 429 && r.status !== 401).map((r) => r.at).sort((a, b) => a - b);

/** The most counted requests of `group` in any window as the simulator measures it, (t - window, t]. */
function busiestWindow(group: RateGroup, windowMs: number): number {
  const times = counted(group);
  let most = 0;
  for (let i = 0, start = 0; i < times.length; i++) {
    while (times[start]! <= times[i]! - windowMs) start++;
    most = Math.max(most, i - start + 1);
  }
  return most;
}

describe(`one rate budget for every process of a credential (${databaseKind})`, () => {
  it('three clients hammering Light and Heavy together: no 429, and never more than the limit in any window', async () => {
    const limits: Limits = { Light: { limit: 6, windowSec: 2, penaltySec: 5 }, Heavy: { limit: 3, windowSec: 2, penaltySec: 5 } };
    const s = await simulator(limits);
    const clients = await peers(s, 3, limits);
    const failures: string[] = [];
    const until = Date.now() + 5_000;
    const loop = async (peer: Peer, group: RateGroup) => {
      while (Date.now() < until) await request(peer, group).catch((e: unknown) => failures.push(String(e)));
    };
    await Promise.all(clients.flatMap((peer) => [loop(peer, 'Light'), loop(peer, 'Light'), loop(peer, 'Heavy'), loop(peer, 'Heavy')]));

    expect(failures).toEqual([]);
    expect(s.stats().rateLimitedTotal).toBe(0);
    expect(busiestWindow('Light', 2_000)).toBeLessThanOrEqual(6);
    expect(busiestWindow('Heavy', 2_000)).toBeLessThanOrEqual(3);
    // The test crossed windows, and every client had its share: the limits were met together.
    expect(counted('Light').length).toBeGreaterThan(6);
    expect(counted('Heavy').length).toBeGreaterThan(3);
    for (const peer of clients) expect(peer.meter.requests.Light * peer.meter.requests.Heavy).toBeGreaterThan(0);
    const perClient = clients.map((peer) => peer.meter.requests.Light + peer.meter.requests.Heavy);
    console.info(`[shared-budget ${databaseKind}] counted Light ${counted('Light').length}, Heavy ${counted('Heavy').length}; busiest 2-s window Light ${busiestWindow('Light', 2_000)}/6, Heavy ${busiestWindow('Heavy', 2_000)}/3; requests per client ${perClient.join('+')}; 429s ${s.stats().rateLimitedTotal}`);
  });

  it('a 429 one client gets blocks the group for the others until its Retry-After has passed', async () => {
    const s = await simulator({ Light: { limit: 100, windowSec: 1, penaltySec: 2 } });
    const [a, b] = await peers(s, 2, { Light: { limit: 100, windowSec: 1 } });
    await request(a!, 'Light');
    await request(b!, 'Light');
    s.faults.set({ rateLimitStorm: { group: 'Light', count: 1 } });
    const first = request(a!, 'Light');
    await until(() => a!.events.some((e) => e.type === 'rate-limited'));
    // Once a's report is recorded (a 429 and another's request crossing in flight cannot be helped):
    await a!.budget.settled();
    await request(b!, 'Light');
    await first;

    const refused = log.filter((r) => r.status === 429);
    expect(refused).toHaveLength(1);
    const later = log.filter((r) => r.group === 'Light' && r.at > refused[0]!.at);
    expect(later).toHaveLength(2);
    for (const r of later) expect(r.at - refused[0]!.at).toBeGreaterThanOrEqual(2_000);
    expect(b!.meter.rateLimited).toBe(0);
  });

  it('a window announced spent (X-Rate-Limit-Remaining: 0) to one client blocks it for the others, though the ledger had room', async () => {
    const s = await simulator({ Light: { limit: 3, windowSec: 2, penaltySec: 2 } });
    const [a, b] = await peers(s, 2, { Light: { limit: 3, windowSec: 2 } });
    // Both hold the session (spent on Heavy), then a tool outside callsync spends two of the three Light slots.
    await request(a!, 'Heavy');
    await request(b!, 'Heavy');
    const outsider = await login(s);
    for (let i = 0; i < 2; i++) expect((await get(s, outsider.access, ACCOUNT)).status).toBe(200);
    await request(a!, 'Light');
    await a!.budget.settled();
    await request(b!, 'Light');

    expect(s.stats().rateLimitedTotal).toBe(0);
    const light = log.filter((r) => r.group === 'Light');
    expect(light).toHaveLength(4);
    expect(light[3]!.at - light[2]!.at).toBeGreaterThanOrEqual(2_000);
  });

  it('the limit and window one client adopts from the headers bind another that never saw them', async () => {
    const s = await simulator({ Light: { limit: 4, windowSec: 2, penaltySec: 5 } });
    // Both believe RingCentral's documented Light limit (50 a minute) until told otherwise.
    const [a, b] = await peers(s, 2);
    await request(a!, 'Light');
    await a!.budget.settled();
    await Promise.all(Array.from({ length: 10 }, () => request(b!, 'Light')));

    expect(s.stats().rateLimitedTotal).toBe(0);
    expect(counted('Light')).toHaveLength(11);
    expect(busiestWindow('Light', 2_000)).toBeLessThanOrEqual(4);
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
