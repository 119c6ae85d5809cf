// int64 ids in JSON. RingCentral's message ids are int64 numbers; beyond 2^53 a JS number cannot hold
// them, so the simulator keeps every id as an exact decimal string and represents it inside JSON values
// as a number when it is safe and as a bigint when it is not — the same values a lossless parser
// (parseExact below, or lossless-json in a client) yields for the raw text. stringifyExact writes the
// bigints back as plain integer literals, so the HTTP body carries the exact integer.

import { isSafeNumber, parse } from 'lossless-json';

/** A JSON value for an int64 given as a decimal string: number when exact, bigint otherwise. */
export function int64(decimal: string): number | bigint {
  const n = Number(decimal);
  return Number.isSafeInteger(n) ? n : BigInt(decimal);
}

// A marker no generated string contains; JSON.stringify leaves U+2063 unescaped.
const MARK = '\u2063int64:';
const MARKED = /"\u2063int64:(-?\d+)"/g;

/** JSON.stringify that writes bigint values as bare integer literals (exact int64 in the text). */
export function stringifyExact(value: unknown): string {
  let found = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    found = true;
    return `${MARK}${v}`;
  });
  return found ? text.replace(MARKED, '$1') : text;
}

/**
 * JSON.parse that keeps int64 exact: integers beyond 2^53 become bigint, everything else is what
 * JSON.parse gives. parseExact(body) of a message-store response deep-equals truth().messages[].message.
 */
export function parseExact(text: string): unknown {
  return parse(text, null, (value: string) => (isSafeNumber(value) ? Number(value) : /^-?\d+$/.test(value) ? BigInt(value) : Number(value)));
}

/** Exact decimal string of an int64 JSON value (number or bigint). */
export function int64String(value: number | bigint): string {
  return typeof value === 'bigint' ? value.toString() : String(value);
}
