import { isSafeNumber, parse, stringify } from 'lossless-json';

/** An integer literal too long to be exact as a JS number (RingCentral ids are int64). */
const LONG_INTEGER = /[:[,]\s*-?\d{16,}\s*[,}\]]/;

/**
 * JSON.parse that never loses int64 precision: integers beyond 2^53 become bigint. The fast native parser
 * is used whenever the text has no integer literal long enough to be at risk, which is nearly always.
 */
export function parseJson(text: string): unknown {
  if (!LONG_INTEGER.test(text)) return JSON.parse(text);
  return parse(text, null, (value: string) =>
    isSafeNumber(value) ? Number(value) : /^-?\d+$/.test(value) ? BigInt(value) : Number(value),
  );
}

/** JSON.stringify that writes bigint as a plain integer literal, the inverse of parseJson. */
export function stringifyJson(value: unknown): string {
  return hasBigInt(value) ? (stringify(value) as string) : JSON.stringify(value);
}

function hasBigInt(value: unknown): boolean {
  if (typeof value === 'bigint') return true;
  if (value === null || typeof value !== 'object') return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (hasBigInt(v)) return true;
  return false;
}
