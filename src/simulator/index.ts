// The built-in RingCentral simulator: a local HTTP server that imitates the parts of RingCentral's
// REST API callsync uses (OAuth JWT/refresh/revoke, account, extensions, account call log list,
// by-id and extract-sync, per-extension message store and message-sync for voicemail), with
// RingCentral's rate limits, error bodies and late-arriving data, and a seeded generator of realistic
// company traffic and voicemails whose ground truth it can report. The company is small by default or
// of any size (options.company); the JWT user is a Super Admin or a lower role (options.adminRole,
// faults.adminRole) that may not read other extensions' mailboxes (403 CMN-419, authz-profile).

import type { AddressInfo } from 'node:net';
import { TokenStore } from './auth.ts';
import type { BuildCtx } from './call-builder.ts';
import { generateCompany } from './company.ts';
import { generateSizedCompany } from './company-sized.ts';
import { newCounters, type SimContext } from './context.ts';
import { FaultState } from './faults.ts';
import { MessageSyncTokens } from './message-sync-token.ts';
import { generateCustomers } from './phone.ts';
import { Rng } from './prng.ts';
import { RateLimiter } from './rate-limit.ts';
import { createSimulatorServer } from './server.ts';
import { SyncTokens } from './sync-token.ts';
import { addLiveCall, generateHistory } from './traffic.ts';
import { groundTruth, stats, visibility } from './truth.ts';
import type { Simulator, SimulatorOptions } from './types.ts';
import { World } from './world.ts';

export type * from './types.ts';
export type * from './types-messages.ts';
export { DEFAULT_LIMITS } from './rate-limit.ts';
/** int64-exact JSON: truth().messages[].message and message-store bodies hold ids beyond 2^53 as bigint. */
export { int64String, parseExact, stringifyExact } from './int64-json.ts';
export { compatibleNumbers, MATCH_SLACK_MS } from './voicemail-truth.ts';

const DAY = 24 * 60 * 60 * 1000;
const CUSTOMERS = 2000;
/** A sized company's default traffic: calls per enabled user a day, over this many days. */
const SIZED_CALLS_PER_USER_DAY = 10;
const SIZED_HISTORY_DAYS = 2;

/** Starts a simulator listening on host:port (default 127.0.0.1, random port). */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const seed = opts.seed ?? 1;
  const clock = opts.clock ?? Date.now;
  const company = opts.company ? generateSizedCompany(seed, opts.company) : generateCompany(seed);
  // A big company has more distinct callers; the default one keeps its pool (and so its traffic).
  const customers = generateCustomers(seed, opts.company ? Math.max(CUSTOMERS, company.users.length * 10) : CUSTOMERS);
  const buildCtx: BuildCtx = {
    origin: '',
    seed,
    company,
    customers,
    profile: opts.profile ?? 'office',
    forwardingFrom: opts.forwardingFrom ?? (opts.company ? 'owner' : 'caller'),
  };
  const world = new World(buildCtx);

  // Default history ends at the start of the current UTC day so a seed gives the same calls all day.
  const dayStart = Math.floor(clock() / DAY) * DAY;
  const defaultHistory = opts.company
    ? { from: new Date(dayStart - SIZED_HISTORY_DAYS * DAY), to: new Date(dayStart), calls: company.users.length * SIZED_CALLS_PER_USER_DAY * SIZED_HISTORY_DAYS }
    : { from: new Date(dayStart - 7 * DAY), to: new Date(dayStart), calls: 1000 };
  const history = opts.history ?? defaultHistory;
  generateHistory(world, { from: history.from.getTime(), to: history.to.getTime(), calls: history.calls, late: opts.late });

  const tokens = new TokenStore(opts.maxSessions ?? Infinity);
  const syncTokens = new SyncTokens();
  const messageSyncTokens = new MessageSyncTokens();
  const credentials = {
    clientId: opts.clientId ?? 'sim-client-id',
    clientSecret: opts.clientSecret ?? 'sim-client-secret',
    jwt: opts.jwt ?? 'sim-jwt',
  };
  const faults = new FaultState(
    {
      revokeTokens: () => tokens.revokeAll(),
      invalidateSyncTokens: () => syncTokens.invalidateAll(),
      invalidateMessageSyncTokens: () => messageSyncTokens.invalidateAll(),
    },
    seed,
    opts.adminRole ?? 'SuperAdmin',
  );
  const ctx: SimContext = {
    world,
    company,
    tokens,
    limiter: new RateLimiter(opts.rateLimits),
    faults,
    syncTokens,
    messageSyncTokens,
    counters: newCounters(),
    credentials,
    ttl: { accessSec: opts.accessTokenTtlSec ?? 3600, refreshSec: opts.refreshTokenTtlSec ?? 604_800 },
    omitTotals: opts.omitTotals ?? false,
    recordings: { bytes: opts.recordingBytes ?? 65_536, purged: new Set() },
    clock,
    release: () => world.release(clock()),
    onRequest: opts.onRequest,
  };

  const server = createSimulatorServer(ctx);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  buildCtx.origin = url;

  let closing: Promise<void> | undefined;
  const stopLive = opts.live ? startLive(world, opts.live.callsPerMinute, seed, clock) : () => {};

  return {
    url,
    accountId: company.accountId,
    credentials,
    faults,
    stats: () => stats(ctx),
    truth: () => groundTruth(ctx),
    release: () => {
      ctx.release();
    },
    purgeRecordings: (ids) => {
      for (const id of ids) ctx.recordings.purged.add(id);
    },
    visibility: (since = -Infinity) => visibility(ctx, since),
    // Idempotent: tests and shutdown paths may both close.
    close: () => {
      closing ??= (async () => {
        stopLive();
        server.closeAllConnections();
        await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      })();
      return closing;
    },
  };
}

/** Demo mode: Poisson arrivals at `perMinute`, each call starting "now". */
function startLive(world: World, perMinute: number, seed: number, clock: () => number): () => void {
  const rng = Rng.of(seed, 0x11fe);
  const tickMs = 1000;
  const timer = setInterval(() => {
    const now = clock();
    // Knuth's Poisson sampler; the rate per tick is small, so this loops only a few times.
    const limit = Math.exp(-(perMinute * tickMs) / 60_000);
    let p = rng.next();
    while (p > limit) {
      addLiveCall(world, now - rng.int(0, tickMs - 1));
      p *= rng.next();
    }
  }, tickMs);
  timer.unref();
  return () => clearInterval(timer);
}
