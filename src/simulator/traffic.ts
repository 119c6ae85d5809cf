// When calls happen and when each version of their records becomes visible. RingCentral's guide says
// a call appears in the log 15–30 s after it ends; recordings and final data can follow later
// (api-notes §8). History calls are fully visible by history.to unless `late` holds some back.

import type { BuildCtx } from './call-builder.ts';
import { Rng } from './prng.ts';
import { buildCall, type CallDraft, type ModKind } from './scenarios.ts';
import { modCode } from './versions.ts';
import type { CallTiming, World } from './world.ts';

export interface LateOptions {
  heldFraction: number;
  modifiedFraction: number;
  deletedFraction: number;
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

/** Generates `calls` history calls with start times over [from, to) into the world. */
export function generateHistory(world: World, opts: { from: number; to: number; calls: number; late?: LateOptions }): void {
  const { ctx } = world;
  const rng = Rng.of(ctx.seed, 0x415);
  const span = Math.max(1, opts.to - opts.from);
  const starts = new Float64Array(opts.calls);
  for (let i = 0; i < opts.calls; i++) starts[i] = opts.from + Math.floor(rng.next() * span);
  starts.sort();
  const limit = opts.to - 1;
  for (let i = 0; i < opts.calls; i++) {
    const key = world.size;
    let startMs = starts[i] as number;
    let draft = buildCall(ctx, key, startMs);
    // A call must have ended and reached the log before history.to: move late starters earlier.
    // (Content depends on the key, not the start time, so the rebuilt call is the same call.)
    const latestEnd = opts.to - 31_000;
    if (draft.endMs > latestEnd) {
      startMs = Math.max(opts.from, startMs - (draft.endMs - latestEnd));
      draft = buildCall(ctx, key, startMs);
    }
    const timing = planVersions(ctx, draft, { modDelay: [MINUTE, 10 * MINUTE], late: opts.late });
    clampTo(timing, limit);
    world.add(draft, startMs, timing);
    addVoicemail(world, draft, limit);
  }
  world.indexEvents();
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

function planVersions(ctx: BuildCtx, draft: CallDraft, opts: { modDelay: [number, number]; late?: LateOptions }): CallTiming {
  const rng = Rng.of(ctx.seed, draft.key, 0x71e);
  const t0 = draft.endMs + rng.int(15_000, 30_000);
  let mod: ModKind | null = null;
  for (const [kind, chance] of MOD_CHANCE) {
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

function addVoicemail(world: World, draft: CallDraft, limit: number): void {
  const vm = draft.voicemail;
  if (!vm) return;
  const creationMs = Math.min(vm.creationMs, Math.floor(limit / 1000) * 1000);
  const rng = Rng.of(world.ctx.seed, draft.key, 0x7e5);
  world.addMessage(draft.key, { ...vm, creationMs }, Math.min(creationMs + rng.int(100, 900), limit));
}
