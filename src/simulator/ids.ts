// Identifiers of generated calls. Each is derived from (seed, call key) and embeds the key in a
// scrambled but reversible form, so lookups by id, sessionId or telephonySessionId need no index
// (100k calls would otherwise need three large Maps). Decoding always re-derives and compares, so a
// made-up id never matches by accident.

import { Rng, base62, scramble32 } from './prng.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SESSION_BASE = 20_000_000_000;
const MESSAGE_BASE = 400_000_000_000;
const RECORDING_BASE = 3_000_000_000;
// Message ids are int64 in RingCentral's schema. A share of them lies beyond 2^53 so that a client
// reading them with a plain JSON.parse loses precision (and neighbours collide) — on purpose.
const BIG_MESSAGE_BASE = 9_007_199_254_740_993n;
const BIG_MESSAGE_SHARE = 0.15;
// Voicemails whose call lies before the simulated history (orphans) get ids from their own ranges.
const ORPHAN_MESSAGE_BASE = 390_000_000_000;
const BIG_ORPHAN_MESSAGE_BASE = BIG_MESSAGE_BASE + 10_000_000_000_000n;
// Keys are XORed with this before scrambling so that key 0 does not encode as "000000".
const KEY_MASK = 0x5bd1e995;

export interface CallIds {
  /** 15 chars like "ATquN2QNuxfWhtk". */
  id: string;
  /** Numeric string like "14860368004". */
  sessionId: string;
  /** "s-…" like Call Control's ids. */
  telephonySessionId: string;
  /** int64 message-store id as an exact decimal string (may exceed 2^53), used only if the call leaves a voicemail. */
  messageId: string;
  /** Recording id, used only if the call is recorded. */
  recordingId: string;
}

/** The ids of call `key`. */
export function callIds(seed: number, key: number): CallIds {
  const rng = Rng.of(seed, key, 0x1d);
  const scrambled = scramble32((key ^ KEY_MASK) >>> 0);
  const id = rng.chars(9) + base62(scrambled, 6);
  const sessionId = String(SESSION_BASE + key * 10 + rng.int(0, 9));
  const telephonySessionId = `s-a${rng.hex(5)}${scrambled.toString(16).padStart(8, '0')}z${rng.hex(14)}`;
  const messageSuffix = rng.int(1, 999);
  const recordingId = String(RECORDING_BASE + key * 100 + rng.int(1, 99));
  // Drawn last so adding big ids left every other id of a call unchanged.
  const big = rng.chance(BIG_MESSAGE_SHARE);
  const messageId = big ? String(BIG_MESSAGE_BASE + BigInt(key) * 1000n + BigInt(messageSuffix)) : String(MESSAGE_BASE + key * 1000 + messageSuffix);
  return { id, sessionId, telephonySessionId, messageId, recordingId };
}

/** The message id of the n-th orphan voicemail (one whose call predates the history). */
export function orphanMessageId(seed: number, n: number): string {
  const rng = Rng.of(seed, n, 0x0a1d);
  const suffix = rng.int(1, 999);
  return rng.chance(BIG_MESSAGE_SHARE) ? String(BIG_ORPHAN_MESSAGE_BASE + BigInt(n) * 1000n + BigInt(suffix)) : String(ORPHAN_MESSAGE_BASE + n * 1000 + suffix);
}

/** The call key an id belongs to, or undefined. */
export function keyFromId(seed: number, id: string): number | undefined {
  if (!/^[0-9A-Za-z]{15}$/.test(id)) return undefined;
  let scrambled = 0;
  for (const ch of id.slice(9)) scrambled = scrambled * 62 + BASE62.indexOf(ch);
  return verify(seed, (unscramble32(scrambled) ^ KEY_MASK) >>> 0, (ids) => ids.id === id);
}

/** The call key a recording id belongs to (whether or not that call is recorded), or undefined. */
export function keyFromRecordingId(seed: number, recordingId: string): number | undefined {
  if (!/^\d{10,}$/.test(recordingId)) return undefined;
  const key = Math.floor((Number(recordingId) - RECORDING_BASE) / 100);
  return verify(seed, key, (ids) => ids.recordingId === recordingId);
}

/** The call key a sessionId belongs to, or undefined. */
export function keyFromSessionId(seed: number, sessionId: string): number | undefined {
  if (!/^\d{11,}$/.test(sessionId)) return undefined;
  const key = Math.floor((Number(sessionId) - SESSION_BASE) / 10);
  return verify(seed, key, (ids) => ids.sessionId === sessionId);
}

/** The call key a telephonySessionId belongs to, or undefined. */
export function keyFromTelephonySessionId(seed: number, tsid: string): number | undefined {
  const m = /^s-a[0-9a-f]{5}([0-9a-f]{8})z[0-9a-f]{14}$/.exec(tsid);
  if (!m) return undefined;
  return verify(seed, (unscramble32(parseInt(m[1] as string, 16)) ^ KEY_MASK) >>> 0, (ids) => ids.telephonySessionId === tsid);
}

function verify(seed: number, key: number, same: (ids: CallIds) => boolean): number | undefined {
  if (!Number.isInteger(key) || key < 0 || key >= 2 ** 31) return undefined;
  return same(callIds(seed, key)) ? key : undefined;
}

// Inverse of scramble32: undo each xorshift and multiply (by the multiplicative inverse mod 2^32).
const INV1 = modInverse32(0x7feb352d);
const INV2 = modInverse32(0x846ca68b);

function unscramble32(value: number): number {
  let x = value >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, INV2) >>> 0;
  x = (x ^ (x >>> 15) ^ (x >>> 30)) >>> 0;
  x = Math.imul(x, INV1) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x;
}

function modInverse32(a: number): number {
  // Newton iteration: each step doubles the number of correct low bits.
  let x = a >>> 0;
  for (let i = 0; i < 5; i++) x = Math.imul(x, (2 - Math.imul(a, x)) >>> 0) >>> 0;
  return x >>> 0;
}
