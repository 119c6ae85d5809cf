// Everything a route handler may touch, in one object passed explicitly (no module state, so several
// simulators can run in one process, as the tests do).

import type { TokenStore } from './auth.ts';
import type { Company } from './company.ts';
import type { FaultState } from './faults.ts';
import type { MessageSyncTokens } from './message-sync-token.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { SyncTokens } from './sync-token.ts';
import { ENDPOINT_FAMILIES, type EndpointFamily, type RateGroup, type SimulatedRequest } from './types.ts';
import type { World } from './world.ts';

export interface Counters {
  requests: Record<RateGroup, number>;
  byStatus: Record<string, number>;
  rateLimited: Record<RateGroup, number>;
  tokenGrants: { jwt: number; refresh_token: number };
  tokenErrors: number;
  revocations: number;
  admin: number;
  endpoints: Record<EndpointFamily, number>;
  messageBatches: { requests: number; ids: number; maxIds: number };
  permissionDenied: number;
}

export interface SimContext {
  world: World;
  company: Company;
  tokens: TokenStore;
  limiter: RateLimiter;
  faults: FaultState;
  syncTokens: SyncTokens;
  messageSyncTokens: MessageSyncTokens;
  counters: Counters;
  credentials: { clientId: string; clientSecret: string; jwt: string };
  /** Server-side token lifetimes (defaults when the request names none). */
  ttl: { accessSec: number; refreshSec: number };
  omitTotals: boolean;
  /** Recordings: their content's size, and those purged before their 90 days (POST /__sim/purge-recordings). */
  recordings: { bytes: number; purged: Set<string> };
  clock: () => number;
  release(): number;
  onRequest?: ((request: SimulatedRequest) => void) | undefined;
}

/** Zeroed request counters. */
export function newCounters(): Counters {
  const perGroup = (): Record<RateGroup, number> => ({ Heavy: 0, Medium: 0, Light: 0, Auth: 0 });
  return {
    requests: perGroup(),
    byStatus: {},
    rateLimited: perGroup(),
    tokenGrants: { jwt: 0, refresh_token: 0 },
    tokenErrors: 0,
    revocations: 0,
    admin: 0,
    endpoints: Object.fromEntries(ENDPOINT_FAMILIES.map((f) => [f, 0])) as Record<EndpointFamily, number>,
    messageBatches: { requests: 0, ids: 0, maxIds: 0 },
    permissionDenied: 0,
  };
}

/** Resolves the {accountId} path segment: "~" or the account's own id. */
export function isOwnAccount(ctx: SimContext, accountId: string): boolean {
  return accountId === '~' || accountId === ctx.company.accountId;
}
