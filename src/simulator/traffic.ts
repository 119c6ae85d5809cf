// When calls happen and when each version of their records becomes visible. RingCentral's guide says
// a call appears in the log 15–30 s after it ends; recordings and final data can follow later
// (api-notes §8). History calls are fully visible by history.to unless `late` holds some back.

import type { BuildCtx } from './call-builder.ts';
import { buildPairCall, planPair, ROLE } from './companions.ts';
import { Rng } from './prng.ts';
import { buildCall, type CallDraft, type ModKind } from './scenarios.ts';
import { addOrphans, applyMailboxCap, planMessage } from './voicemail-plan.ts';
import { modCode } from './versions.ts';
import type { CallTiming, World } from './world.ts';

export interface LateOptions {
  heldFraction: number;
  modifiedFraction: number;
  deletedFraction: number;
  /**
   * Of the voicemails not otherwise held, the fraction whose transcription stays InProgress until
   * release(), with nothing else changing: no call record, so no read of the mailbox is called for.
   */
  transcriptionHeldFraction?: number;
}

/** Chance a call gets each modification, tried in this order (when the call supports it). */
const MOD_CHANCE: ReadonlyArray<[ModKind, number]> = [
  ['recordingAdded', 0.6],
  ['voicemailLinked', 0.3],
  ['legsAdded', 0.25],
  ['resultFinalised', 0.04],
];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Generates `calls` history calls with start times over [from, to) into the world, and their voicemails. */
export function generateHistory(world: World, opts: { from: number; to: number; calls: number; late?: LateOptions }): void {
  const { ctx } = world;
  const rng = Rng.of(ctx.seed, 0x415);
  const span = Math.max(1, opts.to - opts.from);
  const starts = new Float64Array(opts.calls);
  for (let i = 0; i < opts.calls; i++) starts[i] = opts.from + Math.floor(rng.next() * span);
  starts.sort();
  const limit = opts.to - 1;
  // A call must have ended and reached the log before history.to.
  const latestEnd = opts.to - 31_000;
  const add = (draft: CallDraft, startMs: number, role: number, partner: number): void => {
    const timing = planVersions(ctx, draft, { modDelay: [MINUTE, 10 * MINUTE], late: opts.late });
    clampTo(timing, limit);
    world.add(draft, startMs, timing, role, partner);
    addVoicemail(world, draft, limit, opts.late);
  };
  for (let i = 0; i < opts.calls; i++) {
    const key = world.size;
    let startMs = starts[i] as number;
    let draft = buildCall(ctx, key, startMs);
    // Move late starters earlier. (Content depends on the key, not the start time, so the rebuilt
    // call is the same call.)
    if (draft.endMs > latestEnd) {
      startMs = Math.max(opts.from, startMs - (draft.endMs - latestEnd));
      draft = buildCall(ctx, key, startMs);
    }
    const pair = i + 1 < opts.calls ? planPair(ctx, draft, startMs, { from: opts.from, latestEnd }) : null;
    if (!pair) {
      add(draft, startMs, ROLE.none, -1);
      continue;
    }
    const primary = pair.primary;
    add(primary, startMs, pair.primaryRole, key + 1);
    add(buildPairCall(ctx, key + 1, pair.companionStartMs, pair.companionRole, () => primary), pair.companionStartMs, pair.companionRole, key);
    // The companion takes the next call's slot, so history.calls stays exact.
    i++;
  }
  world.indexEvents();
  addOrphans(ctx, world.mail, opts);
  applyMailboxCap(world.mail);
}

/** Adds one live call starting at `startMs` (demo mode); its versions become visible as time passes. */
export function addLiveCall(world: World, startMs: number): void {
  const key = world.size;
  const draft = buildCall(world.ctx, key, startMs);
  // Live calls get modified "a minute or two later".
  const timing = planVersions(world.ctx, draft, { modDelay: [MINUTE, 2 * MINUTE] });
  world.add(draft, startMs, timing);
  world.insertEvents(key);
  addVoicemail(world, draft, Infinity);
}

/** Chance that a voicemail call first shows "In Progress" (other calls: MOD_CHANCE). */
const VOICEMAIL_RESULT_LATE = 0.12;

function planVersions(ctx: BuildCtx, draft: CallDraft, opts: { modDelay: [number, number]; late?: LateOptions }): CallTiming {
  const rng = Rng.of(ctx.seed, draft.key, 0x71e);
  const t0 = draft.endMs + rng.int(15_000, 30_000);
  let mod: ModKind | null = null;
  for (const [kind, base] of MOD_CHANCE) {
    const chance = kind === 'resultFinalised' && draft.voicemail ? VOICEMAIL_RESULT_LATE : base;
    if (draft.mods.includes(kind) && rng.chance(chance)) {
      mod = kind;
      break;
    }
  }
  let t1 = mod ? t0 + rng.int(opts.modDelay[0], opts.modDelay[1]) : NaN;
  let t2 = rng.chance(0.01) ? (Number.isNaN(t1) ? t0 : t1) + rng.int(HOUR, 48 * HOUR) : NaN;
  let held0 = false;
  const late = opts.late;
  if (late) {
    held0 = rng.chance(late.heldFraction);
    if (!held0 && rng.chance(late.modifiedFraction)) {
      mod ??= draft.mods[0] ?? null;
      if (mod) {
        t1 = Infinity;
        // A later deletion cannot be visible before the modification it follows.
        if (!Number.isNaN(t2)) t2 = Infinity;
      }
    }
    if (rng.chance(late.deletedFraction)) t2 = Infinity;
  }
  if (held0) {
    return { t0: Infinity, t1: Number.isNaN(t1) ? NaN : Infinity, t2: Number.isNaN(t2) ? NaN : Infinity, mod: modCode(mod) };
  }
  return { t0, t1, t2, mod: modCode(mod) };
}

/** Pulls every finite version time below `limit`, keeping their order (history ends at history.to). */
function clampTo(timing: CallTiming, limit: number): void {
  let floor = -Infinity;
  for (const name of ['t0', 't1', 't2'] as const) {
    const t = timing[name];
    if (!Number.isFinite(t)) continue;
    timing[name] = Math.max(floor, Math.min(t, limit));
    floor = timing[name];
  }
}

function addVoicemail(world: World, draft: CallDraft, limit: number, late?: LateOptions): void {
  if (!draft.voicemail) return;
  world.mail.add(planMessage(world.ctx, draft.voicemail, draft.key, draft.key, limit, late));
}
