// The simulator's world model: a few numeric columns per call (start, when each version becomes
// visible, which modification it gets, filter facts) plus two orderings — by startTime for the list
// endpoint and by modification time for extract-sync — and the voicemails (mailbox.ts). Records
// themselves are rebuilt on demand from (seed, key) (and a pair role, companions.ts), so 100k calls
// cost a few MB instead of hundreds.

import type { BuildCtx } from './call-builder.ts';
import { buildPairCall, ROLE } from './companions.ts';
import { MessageStore } from './mailbox.ts';
import { buildCall, type CallDraft } from './scenarios.ts';
import { MOD_CODES, versionOf, type Version } from './versions.ts';

/** Version visibility of one call; NaN = never happens, Infinity = held back until release(). */
export interface CallTiming {
  t0: number;
  t1: number;
  t2: number;
  mod: number;
}

export interface CallState {
  stage: 0 | 1;
  deleted: boolean;
  lastModifiedMs: number;
  /** 0 created, 1 modified, 2 deleted: which event produced the current version. */
  kind: 0 | 1 | 2;
}

/** All calls, their version timing and the indexes over them. */
export class World {
  readonly start: number[] = [];
  readonly t0: number[] = [];
  readonly t1: number[] = [];
  readonly t2: number[] = [];
  readonly mod: number[] = [];
  readonly outbound: number[] = [];
  readonly recType: number[] = [];
  readonly extMask: number[] = [];
  /**
   * Per call, the idx of every extension taking part — kept only for companies of more than 32
   * extensions, where extMask (bit idx % 32) is a prefilter rather than the answer.
   */
  readonly extLists: Array<Uint32Array> | null;
  readonly externalDigits: string[] = [];
  readonly scenario: string[] = [];
  /** Pair role (companions.ts ROLE) and the other call of the pair (-1 none). */
  readonly role: number[] = [];
  readonly partner: number[] = [];
  /** Keys sorted by (startTime, key). */
  readonly order: number[] = [];
  readonly orderStart: number[] = [];
  /** Change events sorted by (time, key, kind). */
  evT: number[] = [];
  evKey: number[] = [];
  evKind: number[] = [];
  /** The voicemails (message store) of every mailbox. */
  readonly mail = new MessageStore();
  /** Highest extract-sync cursor handed out; released data must land after it. */
  maxCursorIssued = 0;

  constructor(readonly ctx: BuildCtx) {
    this.extLists = ctx.company.extensions.length > 32 ? [] : null;
  }

  get size(): number {
    return this.start.length;
  }

  /** Adds call `key` (must equal size) with its timing; events are indexed by indexEvents/insertEvents. */
  add(draft: CallDraft, startMs: number, timing: CallTiming, role: number = ROLE.none, partner = -1): void {
    const key = draft.key;
    if (key !== this.size) throw new Error(`call keys must be dense: got ${key}, expected ${this.size}`);
    this.start.push(startMs);
    this.t0.push(timing.t0);
    this.t1.push(timing.t1);
    this.t2.push(timing.t2);
    this.mod.push(timing.mod);
    this.outbound.push(draft.record.direction === 'Outbound' ? 1 : 0);
    this.recType.push(draft.recordingType);
    this.extMask.push(draft.extMask);
    this.extLists?.push(Uint32Array.from(draft.exts));
    this.externalDigits.push(draft.externalDigits);
    this.scenario.push(draft.scenario);
    this.role.push(role);
    this.partner.push(partner);
    const at = upperBound(this.orderStart, startMs);
    if (at === this.order.length) {
      this.order.push(key);
      this.orderStart.push(startMs);
    } else {
      this.order.splice(at, 0, key);
      this.orderStart.splice(at, 0, startMs);
    }
  }

  /** Rebuilds the event index from the timing columns (after bulk generation or release). */
  indexEvents(): void {
    const t: number[] = [];
    const k: number[] = [];
    const kind: number[] = [];
    for (let key = 0; key < this.size; key++) {
      const times = [this.t0[key], this.t1[key], this.t2[key]];
      times.forEach((time, i) => {
        if (time !== undefined && Number.isFinite(time)) {
          t.push(time);
          k.push(key);
          kind.push(i);
        }
      });
    }
    const idx = t.map((_, i) => i);
    idx.sort((a, b) => (t[a] as number) - (t[b] as number) || (k[a] as number) - (k[b] as number) || (kind[a] as number) - (kind[b] as number));
    this.evT = idx.map((i) => t[i] as number);
    this.evKey = idx.map((i) => k[i] as number);
    this.evKind = idx.map((i) => kind[i] as number);
  }

  /** Adds the events of one newly added call (live mode) in sorted position. */
  insertEvents(key: number): void {
    const times = [this.t0[key], this.t1[key], this.t2[key]];
    times.forEach((time, kind) => {
      if (time === undefined || !Number.isFinite(time)) return;
      let at = upperBound(this.evT, time);
      while (at < this.evT.length && this.evT[at] === time && (this.evKey[at] as number) < key) at++;
      this.evT.splice(at, 0, time);
      this.evKey.splice(at, 0, key);
      this.evKind.splice(at, 0, kind);
    });
  }

  /** Whether extension `idx` takes part in call `key` (record owner or any leg, final version). */
  involves(key: number, idx: number): boolean {
    if (((this.extMask[key] as number) & (1 << idx)) === 0) return false;
    const list = this.extLists?.[key];
    return list ? list.includes(idx) : true;
  }

  /** Current version of a call, or undefined while it is not visible. */
  state(key: number, now: number): CallState | undefined {
    const t0 = this.t0[key] as number;
    if (!(t0 <= now)) return undefined;
    const t1 = this.t1[key] as number;
    const t2 = this.t2[key] as number;
    const stage = t1 <= now ? 1 : 0;
    const deleted = t2 <= now;
    if (deleted) return { stage, deleted, lastModifiedMs: t2, kind: 2 };
    return stage === 1 ? { stage, deleted, lastModifiedMs: t1, kind: 1 } : { stage, deleted, lastModifiedMs: t0, kind: 0 };
  }

  /**
   * Allocation-free variant of state() for scans over many calls: -1 while invisible, otherwise
   * bit 0 = stage (1 after the modification) and bit 1 = deleted.
   */
  flags(key: number, now: number): number {
    if (!((this.t0[key] as number) <= now)) return -1;
    return ((this.t1[key] as number) <= now ? 1 : 0) | ((this.t2[key] as number) <= now ? 2 : 0);
  }

  /** The full draft of a call (rebuilt; cheap). */
  draft(key: number): CallDraft {
    const start = this.start[key] as number;
    const role = this.role[key] ?? ROLE.none;
    if (role === ROLE.none) return buildCall(this.ctx, key, start);
    return buildPairCall(this.ctx, key, start, role, () => this.draft(this.partner[key] as number));
  }

  /** The record and ground truth of a call at the given stage. */
  version(key: number, stage: 0 | 1): Version & { draft: CallDraft } {
    const draft = this.draft(key);
    const mod = MOD_CODES[this.mod[key] as number] ?? null;
    return { ...versionOf(draft, mod, stage), draft };
  }

  /** Whether the call shows a recording at this stage (recordingType filter). */
  recordingTypeAt(key: number, stage: 0 | 1): number {
    if (stage === 0 && MOD_CODES[this.mod[key] as number] === 'recordingAdded') return 0;
    return this.recType[key] as number;
  }

  /** Index range [lo, hi) in `order` of calls with dateFrom <= startTime < dateTo. */
  window(fromMs: number, toMs: number): [number, number] {
    return [lowerBound(this.orderStart, fromMs), lowerBound(this.orderStart, toMs)];
  }

  heldCount(): number {
    let held = 0;
    for (let key = 0; key < this.size; key++) {
      if (this.t0[key] === Infinity || this.t1[key] === Infinity || this.t2[key] === Infinity) held++;
    }
    return held;
  }

  /**
   * Makes every held version visible at `now` (or just after the last cursor handed out), and every
   * held voicemail change at `now`; returns calls affected.
   */
  release(now: number): number {
    // message-sync windows overlap by seconds, so released message changes may land at `now` itself.
    this.mail.release(now);
    const at = Math.max(now, this.maxCursorIssued + 1);
    let released = 0;
    for (let key = 0; key < this.size; key++) {
      let floor = at;
      let held = false;
      for (const col of [this.t0, this.t1, this.t2]) {
        const t = col[key] as number;
        if (t === Infinity) {
          col[key] = floor;
          held = true;
        } else if (Number.isFinite(t)) {
          // Keep a call's versions in order even if an earlier one lies in the future.
          floor = Math.max(floor, t);
        }
      }
      if (held) released++;
    }
    if (released > 0) this.indexEvents();
    return released;
  }
}

/** First index i with values[i] >= x (values ascending). */
export function lowerBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with values[i] > x (values ascending). */
export function upperBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
