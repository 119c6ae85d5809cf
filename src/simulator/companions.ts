// Calls generated in pairs, for voicemail situations a linker must get right:
// - the same caller rings the same user twice within ten minutes and leaves ONE voicemail, on the
//   second call (the first is a plain missed call);
// - two callers leave voicemails in the same mailbox about a minute apart, the second ringing while
//   the first is still recording. In some pairs the two callers have look-alike numbers that both
//   stores mask (+1650581XXXX) and the call log names neither voicemail: nothing can tell them apart.
// The world stores each call's role and partner; the forced choices are derived from the role and
// the partner's draft, so both calls are still rebuilt from (seed, key, start) alone.

import type { BuildCtx, Force } from './call-builder.ts';
import type { Customer } from './phone.ts';
import { Rng } from './prng.ts';
import { buildCall, type CallDraft } from './scenarios.ts';

export const ROLE = {
  none: 0,
  /** The plain missed call before a repeat caller's voicemail call. */
  repeatFirst: 1,
  repeatSecond: 2,
  burstFirst: 3,
  burstSecond: 4,
  lookalikeFirst: 5,
  lookalikeSecond: 6,
} as const;

export const ROLE_NAMES = ['', 'repeat-first', 'repeat-second', 'burst-first', 'burst-second', 'lookalike-first', 'lookalike-second'] as const;

/** Shares of user-voicemail calls that become the voicemail call of a repeat pair / the first of a burst. */
const REPEAT_SHARE = 0.1;
const BURST_SHARE = 0.06;
const LOOKALIKE_SHARE = 0.4;
const MINUTE = 60_000;

const LOOKALIKE_FIRST: Force = { anonymous: false, style: 'masked', voicemailStyle: 'masked', placement: 'none' };

export interface PairPlan {
  /** The primary call, rebuilt if its role forces choices. */
  primary: CallDraft;
  primaryRole: number;
  companionRole: number;
  companionStartMs: number;
}

/** Whether the just-built voicemail call `primary` becomes half of a pair, and how. */
export function planPair(ctx: BuildCtx, primary: CallDraft, startMs: number, bounds: { from: number; latestEnd: number }): PairPlan | null {
  if (primary.scenario !== 'voicemail' || !primary.customer || !primary.voicemail) return null;
  const rng = Rng.of(ctx.seed, primary.key, 0x9a1);
  const roll = rng.next();
  const gap = rng.int(3 * MINUTE, 9 * MINUTE);
  const lookalike = rng.chance(LOOKALIKE_SHARE);
  const overlap = rng.int(0, 15_000);
  if (roll < REPEAT_SHARE) {
    const companionStartMs = startMs - gap;
    if (companionStartMs < bounds.from) return null;
    return { primary, primaryRole: ROLE.repeatSecond, companionRole: ROLE.repeatFirst, companionStartMs };
  }
  if (roll < REPEAT_SHARE + BURST_SHARE) {
    const first = lookalike ? buildCall(ctx, primary.key, startMs, LOOKALIKE_FIRST) : primary;
    // The second caller rings while the first is still recording; its call lasts at most ~85 s.
    if (first.endMs + 90_000 > bounds.latestEnd) return null;
    return {
      primary: first,
      primaryRole: lookalike ? ROLE.lookalikeFirst : ROLE.burstFirst,
      companionRole: lookalike ? ROLE.lookalikeSecond : ROLE.burstSecond,
      companionStartMs: first.endMs - overlap,
    };
  }
  return null;
}

/** Builds call `key` that has a pair role; `partner` yields the other call's draft. */
export function buildPairCall(ctx: BuildCtx, key: number, startMs: number, role: number, partner: () => CallDraft): CallDraft {
  switch (role) {
    case ROLE.repeatFirst: {
      const p = partner();
      return buildCall(ctx, key, startMs, { user: p.voicemail?.mailbox, customer: p.customer, anonymous: false }, 'inbound-missed');
    }
    case ROLE.burstSecond:
    case ROLE.lookalikeSecond: {
      const p = partner();
      const rng = Rng.of(ctx.seed, key, 0xb2);
      const recordedMs = rng.int(30_000, 60_000);
      const other = p.customer ? otherCustomer(ctx, rng, p.customer) : undefined;
      const look = p.customer ? lookalikeOf(rng, p.customer) : undefined;
      const force: Force = role === ROLE.lookalikeSecond
        ? { ...LOOKALIKE_FIRST, user: p.voicemail?.mailbox, customer: look, recordedMs }
        : { user: p.voicemail?.mailbox, customer: other, anonymous: false, recordedMs };
      return buildCall(ctx, key, startMs, force, 'voicemail');
    }
    case ROLE.lookalikeFirst:
      return buildCall(ctx, key, startMs, LOOKALIKE_FIRST);
    default:
      return buildCall(ctx, key, startMs);
  }
}

function otherCustomer(ctx: BuildCtx, rng: Rng, not: Customer): Customer {
  for (;;) {
    const c = rng.pick(ctx.customers);
    if (c.number !== not.number) return c;
  }
}

/** A caller from the same exchange (same first seven digits), so masked numbers look identical. */
function lookalikeOf(rng: Rng, c: Customer): Customer {
  for (;;) {
    const number = `${c.number.slice(0, -4)}${rng.digits(4)}`;
    if (number !== c.number) return { ...c, number };
  }
}
