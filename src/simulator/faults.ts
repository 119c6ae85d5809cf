// Switchable failures, so client resilience can be tested on purpose: injected 5xx, latency, forced
// 429 storms, mass token revocation, (extract-sync and message-sync) token invalidation, mailboxes
// the user may not read and the JWT user's role. Settable in-process (sim.faults) or from another
// process via POST /__sim/faults with a FaultSettings JSON body.

import { z } from 'zod';
import { Rng } from './prng.ts';
import type { AdminRole, ExtractSyncUnavailableFault, FaultSettings, Faults, RateGroup, RateLimitStormFault, ServerErrorFault, SlowFault } from './types.ts';

const group = z.enum(['Heavy', 'Medium', 'Light', 'Auth']);
const settingsSchema = z
  .object({
    clear: z.boolean().optional(),
    serverErrors: z
      .object({
        count: z.number().int().min(0),
        group: group.optional(),
        probability: z.number().min(0).max(1).optional(),
        status: z.union([z.literal(500), z.literal(503)]).optional(),
      })
      .strict()
      .nullable()
      .optional(),
    slow: z
      .object({
        ms: z.number().min(0),
        count: z.number().int().min(0).optional(),
        fraction: z.number().min(0).max(1).optional(),
        group: group.optional(),
      })
      .strict()
      .nullable()
      .optional(),
    rateLimitStorm: z.object({ group: group.optional(), count: z.number().int().min(0) }).strict().nullable().optional(),
    revokeTokens: z.boolean().optional(),
    invalidateSyncTokens: z.boolean().optional(),
    invalidateMessageSyncTokens: z.boolean().optional(),
    forbiddenMailboxes: z.array(z.string()).optional(),
    extractSyncMaxLookbackMs: z.number().int().min(0).nullable().optional(),
    extractSyncUnavailable: z.object({ status: z.union([z.literal(403), z.literal(501), z.literal(503)]) }).strict().nullable().optional(),
    adminRole: z.enum(['SuperAdmin', 'UserAdmin']).optional(),
  })
  .strict();

/** Validates a POST /__sim/faults body; returns the problems or the settings. */
export function parseFaultSettings(body: unknown): { ok: true; settings: FaultSettings } | { ok: false; problems: string[] } {
  const parsed = settingsSchema.safeParse(body);
  if (parsed.success) return { ok: true, settings: parsed.data as FaultSettings };
  return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`) };
}

export interface FaultHooks {
  revokeTokens(): void;
  invalidateSyncTokens(): void;
  invalidateMessageSyncTokens(): void;
}

/** The live fault switches; the server consumes them per request via take*(). */
export class FaultState implements Faults {
  serverErrors: ServerErrorFault | null = null;
  slow: SlowFault | null = null;
  rateLimitStorm: RateLimitStormFault | null = null;
  extractSyncUnavailable: ExtractSyncUnavailableFault | null = null;
  forbiddenMailboxes: ReadonlySet<string> = new Set();
  extractSyncMaxLookbackMs: number | null = null;
  adminRole: AdminRole;
  injectedServerErrors = 0;
  // Probabilistic faults use their own seeded stream so a faulty run is reproducible.
  private readonly rng: Rng;

  constructor(
    private readonly hooks: FaultHooks,
    seed: number,
    /** The role the simulator started with; clear() returns to it. */
    private readonly initialRole: AdminRole = 'SuperAdmin',
  ) {
    this.rng = Rng.of(seed, 0xfa17);
    this.adminRole = initialRole;
  }

  revokeTokens(): void {
    this.hooks.revokeTokens();
  }

  invalidateSyncTokens(): void {
    this.hooks.invalidateSyncTokens();
  }

  invalidateMessageSyncTokens(): void {
    this.hooks.invalidateMessageSyncTokens();
  }

  set(settings: FaultSettings): void {
    if (settings.clear) this.clear();
    if (settings.serverErrors !== undefined) this.serverErrors = settings.serverErrors;
    if (settings.slow !== undefined) this.slow = settings.slow;
    if (settings.rateLimitStorm !== undefined) this.rateLimitStorm = settings.rateLimitStorm;
    if (settings.revokeTokens) this.revokeTokens();
    if (settings.invalidateSyncTokens) this.invalidateSyncTokens();
    if (settings.extractSyncUnavailable !== undefined) this.extractSyncUnavailable = settings.extractSyncUnavailable;
    if (settings.forbiddenMailboxes !== undefined) this.forbiddenMailboxes = new Set(settings.forbiddenMailboxes);
    if (settings.extractSyncMaxLookbackMs !== undefined) this.extractSyncMaxLookbackMs = settings.extractSyncMaxLookbackMs;
    if (settings.invalidateMessageSyncTokens) this.invalidateMessageSyncTokens();
    if (settings.adminRole !== undefined) this.adminRole = settings.adminRole;
  }

  clear(): void {
    this.serverErrors = null;
    this.slow = null;
    this.rateLimitStorm = null;
    this.extractSyncUnavailable = null;
    this.forbiddenMailboxes = new Set();
    this.extractSyncMaxLookbackMs = null;
    this.adminRole = this.initialRole;
  }

  /** Whether this request of `g` must get a forced 429 (consumes one). */
  takeStorm(g: RateGroup): boolean {
    const storm = this.rateLimitStorm;
    if (!storm || storm.count <= 0 || (storm.group && storm.group !== g)) return false;
    storm.count--;
    if (storm.count <= 0) this.rateLimitStorm = null;
    return true;
  }

  /** The 5xx status this request must fail with, if any (consumes one). */
  takeServerError(g: RateGroup): 500 | 503 | null {
    const fault = this.serverErrors;
    if (!fault || fault.count <= 0 || (fault.group && fault.group !== g)) return null;
    if (fault.probability !== undefined && !this.rng.chance(fault.probability)) return null;
    fault.count--;
    if (fault.count <= 0) this.serverErrors = null;
    this.injectedServerErrors++;
    return fault.status ?? 503;
  }

  /** Extra latency for this request in ms (consumes one when counted). */
  takeDelay(g: RateGroup | null): number {
    const fault = this.slow;
    if (!fault || (fault.group && fault.group !== g)) return 0;
    if (fault.count !== undefined && fault.count <= 0) return 0;
    if (fault.fraction !== undefined && !this.rng.chance(fault.fraction)) return 0;
    if (fault.count !== undefined) {
      fault.count--;
      if (fault.count <= 0) this.slow = null;
    }
    return fault.ms;
  }
}
